import Foundation
import MetricsClient

/// A database's connection budget in one cycle: how many connections the targets that use it
/// may hold, whether that number is current, and whether the database is saturated now.
public struct DatabaseStatus: Sendable, Equatable, Codable {
    public var name: String
    /// Connections the targets may hold together; `nil` when unknown.
    public var usable: Int?
    public var freshness: BudgetFreshness
    /// Saturated on the database side: active connections at or above the threshold of the
    /// usable ones (each target then also needs pool waiters), or behind PgBouncer, clients
    /// waiting for the configured cycles while every server connection is active.
    public var saturated: Bool
    /// True behind PgBouncer, where the database side alone decides saturation. Without
    /// PgBouncer a target is bound only while its own pools have waiters, when it has a
    /// pool-waiting signal.
    public var behindPgBouncer: Bool
    /// The numbers behind the budget and the saturation verdict, for explanations.
    public var evidence: [String]
    /// Active connections (or PgBouncer's active server connections), when read.
    public var activeConnections: Double?
    /// A configuration problem seen this cycle, such as a PgBouncer pool larger than
    /// PostgreSQL allows.
    public var problem: String?
    /// Readings whose query gave no usable value this cycle, each with the reason.
    public var failedReadings: [String] = []

    public init(
        name: String,
        usable: Int?,
        freshness: BudgetFreshness,
        saturated: Bool = false,
        behindPgBouncer: Bool = false,
        evidence: [String] = [],
        activeConnections: Double? = nil,
        problem: String? = nil
    ) {
        self.name = name
        self.usable = usable
        self.freshness = freshness
        self.saturated = saturated
        self.behindPgBouncer = behindPgBouncer
        self.evidence = evidence
        self.activeConnections = activeConnections
        self.problem = problem
    }
}

/// Whether a budget is this cycle's.
public enum BudgetFreshness: Sendable, Equatable, Codable {
    /// Every value was read (or is fixed) this cycle.
    case current
    /// A query failed; the last good budget, this many seconds old, is used.
    case kept(ageSeconds: Double)
    /// No good budget within `budgetMaxAge`; scale-up stops.
    case unknown(reason: String)
}

/// The state the loop keeps for a database between cycles.
public struct DatabaseMemory: Sendable, Equatable, Codable {
    public var lastUsable: Int?
    public var lastGoodAt: Date?
    /// Cycles in a row with waiting PgBouncer clients and every server connection active.
    public var waitingCycles: Int
    /// The last saturation verdict read from the active connections, and when.
    public var lastSaturated: Bool
    public var lastSaturationAt: Date?

    public init(
        lastUsable: Int? = nil,
        lastGoodAt: Date? = nil,
        waitingCycles: Int = 0,
        lastSaturated: Bool = false,
        lastSaturationAt: Date? = nil
    ) {
        self.lastUsable = lastUsable
        self.lastGoodAt = lastGoodAt
        self.waitingCycles = waitingCycles
        self.lastSaturated = lastSaturated
        self.lastSaturationAt = lastSaturationAt
    }
}

/// One target's claim on a database budget in a cycle.
public struct BudgetClaim: Sendable, Equatable {
    public var target: String
    public var minReplicas: Int
    public var currentReplicas: Int
    /// Connections one pod opens at most.
    public var poolSize: Int
    /// The replica count the target's signals ask for before the budget.
    public var wantedReplicas: Int
    /// Terminating pods, which hold their connections until they exit.
    public var terminatingPods: Int
    /// Pods beyond `currentReplicas` that are not terminating, such as a rollout's surge pods;
    /// they hold connections too.
    public var surgePods: Int

    public init(
        target: String,
        minReplicas: Int,
        currentReplicas: Int,
        poolSize: Int,
        wantedReplicas: Int,
        terminatingPods: Int = 0,
        surgePods: Int = 0
    ) {
        self.target = target
        self.minReplicas = minReplicas
        self.currentReplicas = currentReplicas
        self.poolSize = poolSize
        self.wantedReplicas = wantedReplicas
        self.terminatingPods = terminatingPods
        self.surgePods = surgePods
    }

    /// Pods that hold connections beyond `currentReplicas`: terminating and surge pods.
    var extraPods: Int { max(terminatingPods, 0) + max(surgePods, 0) }
}

/// One target's part of a database budget: the engine's input for the budget rules.
public struct BudgetShare: Sendable, Equatable, Codable {
    public var database: String
    /// The maximum replicas the share allows, or `nil` when the budget is unknown.
    public var ceiling: Int?
    /// Connections one pod opens at most.
    public var poolSize: Int
    /// Connections guaranteed to the target: `minReplicas × poolSize`.
    public var guaranteed: Int
    /// The database's status this cycle.
    public var status: DatabaseStatus
    /// The target's minimum alone needs more connections than its share.
    public var minimumExceedsShare: Bool

    public init(
        database: String,
        ceiling: Int?,
        poolSize: Int,
        guaranteed: Int,
        status: DatabaseStatus,
        minimumExceedsShare: Bool = false
    ) {
        self.database = database
        self.ceiling = ceiling
        self.poolSize = poolSize
        self.guaranteed = guaranteed
        self.status = status
        self.minimumExceedsShare = minimumExceedsShare
    }
}

/// The connection budget of a database shared by several targets. Pure: readings and the
/// previous memory in, status, shares and the next memory out.
public enum ConnectionBudget {
    /// Works out `database`'s usable connections and saturation from this cycle's readings
    /// (outcomes keyed by `DatabasePolicy.Reading` raw values).
    public static func evaluate(
        _ database: DatabasePolicy,
        readings: [String: SampleOutcome],
        memory: DatabaseMemory,
        now: Date
    ) -> (status: DatabaseStatus, memory: DatabaseMemory) {
        var next = memory
        var missing: [String] = []
        func read(_ value: DatabaseValue, _ reading: DatabasePolicy.Reading) -> Double? {
            switch value {
            case .fixed(let number): return number
            case .query:
                if let number = readings[reading.rawValue]?.finiteValue, number >= 0 { return number }
                missing.append(reading.rawValue)
                return nil
            }
        }
        func optional(_ reading: DatabasePolicy.Reading, enabled: Bool) -> Double? {
            guard enabled, let number = readings[reading.rawValue]?.finiteValue, number >= 0 else { return nil }
            return number
        }

        var evidence: [String] = []
        var budgetLine = ""
        var computed: Int?
        let maxConnections = read(database.maxConnections, .maxConnections)
        let reserved = read(database.reservedConnections, .reservedConnections)
        let others = read(database.otherClients, .otherClients)
        var serverUsable: Double?
        if let maxConnections, maxConnections > 0, let reserved {
            serverUsable =
                maxConnections - reserved
                - (database.pgbouncer == nil ? database.margin.connections(of: maxConnections) : 0)
        }
        var problem: String?
        if let pgbouncer = database.pgbouncer {
            let clientLimit = read(pgbouncer.maxClientConnections, .pgbouncerMaxClientConnections)
            let poolSize = read(pgbouncer.poolSize, .pgbouncerPoolSize)
            if let clientLimit, let others {
                let margin = database.margin.connections(of: clientLimit)
                computed = wholeConnections(clientLimit - margin - others)
                budgetLine =
                    "PgBouncer max_client_conn \(fmt(clientLimit)) − kept free \(fmt(margin)) − other clients \(fmt(others))"
            }
            if let poolSize, let serverUsable, poolSize > serverUsable {
                problem =
                    "PgBouncer's pool size \(fmt(poolSize)) is above the \(fmt(serverUsable)) connections PostgreSQL "
                    + "allows (max_connections − superuser_reserved_connections); lower default_pool_size"
            }
            let waiting = optional(.pgbouncerClientsWaiting, enabled: pgbouncer.clientsWaitingQuery != nil)
            let active = optional(.pgbouncerServersActive, enabled: pgbouncer.serversActiveQuery != nil)
            if let waiting, let active, let poolSize {
                next.waitingCycles = waiting > 0 && active >= poolSize ? next.waitingCycles + 1 : 0
                next.lastSaturationAt = now
            } else if memory.lastSaturationAt.map({ now.timeIntervalSince($0) > Double(database.budgetMaxAgeSeconds) })
                ?? true
            {
                // Without a reading the count is kept, like the budget, for budgetMaxAge.
                next.waitingCycles = 0
            }
            if let waiting, let active, let poolSize {
                evidence.append(
                    "PgBouncer: \(fmt(waiting)) clients waiting, \(fmt(active)) of \(fmt(poolSize)) server connections "
                        + "active, \(next.waitingCycles) cycle(s) in a row"
                )
            }
        } else if let maxConnections, let reserved, let others {
            let margin = database.margin.connections(of: maxConnections)
            computed = wholeConnections(maxConnections - reserved - margin - others)
            budgetLine =
                "max_connections \(fmt(maxConnections)) − reserved \(fmt(reserved)) − kept free \(fmt(margin)) "
                + "− other clients \(fmt(others))"
        }

        var status = DatabaseStatus(
            name: database.name,
            usable: nil,
            freshness: .current,
            behindPgBouncer: database.pgbouncer != nil,
            problem: problem
        )
        if let computed {
            let usable = max(computed, 0)
            status.usable = usable
            next.lastUsable = usable
            next.lastGoodAt = now
            evidence.insert(budgetLine + " = \(usable) usable", at: 0)
        } else if let last = memory.lastUsable, let at = memory.lastGoodAt,
            now.timeIntervalSince(at) <= Double(database.budgetMaxAgeSeconds)
        {
            status.usable = last
            status.freshness = .kept(ageSeconds: now.timeIntervalSince(at))
            evidence.append(
                "no reading of \(missing.joined(separator: ", ")); keeping the budget of \(last) usable connections "
                    + "from \(fmt(now.timeIntervalSince(at))) s ago"
            )
        } else {
            let reason =
                "no reading of \(missing.joined(separator: ", ")) within budgetMaxAge \(database.budgetMaxAgeSeconds) s"
            status.freshness = .unknown(reason: reason)
            evidence.append(reason)
        }

        if let pgbouncer = database.pgbouncer {
            status.saturated = next.waitingCycles >= max(pgbouncer.saturationCycles, 1)
            status.activeConnections = optional(.pgbouncerServersActive, enabled: pgbouncer.serversActiveQuery != nil)
        } else if database.activeConnectionsQuery != nil {
            let active = optional(.activeConnections, enabled: true)
            status.activeConnections = active
            if let active, let usable = status.usable, usable > 0 {
                let share = active / Double(usable)
                status.saturated = share >= database.saturationThreshold - 1e-9
                next.lastSaturated = status.saturated
                next.lastSaturationAt = now
                evidence.append(
                    "\(fmt(active)) of \(usable) usable connections active (\(fmt((share * 100).rounded())) %, "
                        + "threshold \(fmt(database.saturationThreshold * 100)) %)"
                )
            } else if active == nil, let at = memory.lastSaturationAt,
                now.timeIntervalSince(at) <= Double(database.budgetMaxAgeSeconds)
            {
                // A saturated PostgreSQL may refuse the exporter too, so the last verdict is kept
                // as long as the last good budget is.
                status.saturated = memory.lastSaturated
                evidence.append(
                    "active connections not read; keeping the verdict from \(fmt(now.timeIntervalSince(at))) s ago "
                        + "(\(memory.lastSaturated ? "saturated" : "not saturated"))"
                )
            } else if active == nil {
                evidence.append("active connections not read")
            }
        }
        status.evidence = evidence
        status.failedReadings = DatabasePolicy.Reading.allCases.compactMap { reading in
            guard database.queryTarget?.signals.contains(where: { $0.name == reading.rawValue }) == true else {
                return nil
            }
            guard let outcome = readings[reading.rawValue] else { return "\(reading.rawValue): no outcome" }
            if let value = outcome.finiteValue, value >= 0 { return nil }
            if case .empty = outcome, reading == .pgbouncerClientsWaiting { return nil }
            return "\(reading.rawValue): \(describe(outcome))"
        }
        return (status, next)
    }

    /// Splits `status`'s usable connections among `claims`. Each target is guaranteed
    /// `minReplicas × poolSize`; the rest is shared in proportion to each target's demand above its
    /// minimum, or evenly when no target requests more. A ceiling never counts on connections that other
    /// targets hold now, or that this target's terminating pods still hold.
    public static func allocate(_ status: DatabaseStatus, claims: [BudgetClaim]) -> [String: BudgetShare] {
        var shares: [String: BudgetShare] = [:]
        let guaranteedTotal = claims.reduce(0) { $0 + max($1.minReplicas, 0) * max($1.poolSize, 1) }
        // Terminating and surge pods hold connections that no share may hand out again.
        let extraTotal = claims.reduce(0) { $0 + $1.extraPods * max($1.poolSize, 1) }
        for claim in claims {
            let pool = max(claim.poolSize, 1)
            let guaranteed = max(claim.minReplicas, 0) * pool
            guard let usable = status.usable else {
                shares[claim.target] = BudgetShare(
                    database: status.name,
                    ceiling: nil,
                    poolSize: pool,
                    guaranteed: guaranteed,
                    status: status
                )
                continue
            }
            let rest = usable - guaranteedTotal - extraTotal
            var ceiling: Int
            var exceeds = false
            if rest < 0 {
                ceiling = claim.minReplicas
                exceeds = true
            } else {
                let demands = claims.map { max($0.wantedReplicas - $0.minReplicas, 0) * max($0.poolSize, 1) }
                let total = demands.reduce(0, +)
                let own = max(claim.wantedReplicas - claim.minReplicas, 0) * pool
                let share =
                    total > 0
                    ? Double(rest) * Double(own) / Double(total)
                    : Double(rest) / Double(max(claims.count, 1))
                ceiling = claim.minReplicas + Int((share / Double(pool) + 1e-9).rounded(.down))
            }
            let heldByOthers = claims.filter { $0.target != claim.target }.reduce(0) {
                $0 + (max($1.currentReplicas, 0) + $1.extraPods) * max($1.poolSize, 1)
            }
            let free = usable - heldByOthers - claim.extraPods * pool
            let safe = free >= 0 ? free / pool : 0
            ceiling = min(ceiling, safe)
            if ceiling < claim.minReplicas { exceeds = true }
            shares[claim.target] = BudgetShare(
                database: status.name,
                ceiling: max(ceiling, 0),
                poolSize: pool,
                guaranteed: guaranteed,
                status: status,
                minimumExceedsShare: exceeds
            )
        }
        return shares
    }

    static func fmt(_ value: Double) -> String { Decision.format(value) }

    /// Describes an outcome without a usable value in a few words, for logs.
    static func describe(_ outcome: SampleOutcome) -> String {
        switch outcome {
        case .value(let value, _): "negative value \(fmt(value))"
        case .empty: "the query returned no series; check its selector"
        case .nonFinite(let value): "non-finite value \(fmt(value))"
        case .negative(let value): "negative value \(fmt(value))"
        case .stale(_, let age, _): "stale (\(age) old)"
        case .ambiguous(let count): "\(count) series where one was expected; aggregate the query"
        case .failed(let reason): reason
        case .perPod: "one series per pod where one was expected; aggregate the query"
        }
    }

    /// Rounds a connection count down to a whole number within ±1e12, so that an absurd
    /// reading (such as a metric in bytes) cannot trap the conversion to `Int`.
    static func wholeConnections(_ value: Double) -> Int {
        guard value.isFinite else { return value > 0 ? 1_000_000_000_000 : 0 }
        return Int(min(max(value, -1e12), 1e12).rounded(.down))
    }
}
