import Foundation

/// The proving ground's three scenarios.
public enum ScenarioName: String, Sendable, CaseIterable, Codable {
    /// The WorldCup98 flash crowd of 1998-05-12, compressed and scaled.
    case flashCrowd = "flash-crowd"
    /// A flash sale against a PostgreSQL whose `max_connections` runs out before the load is
    /// served.
    case databaseBound = "db-bound"
    /// A step from a trickle to a crowd while the fleet sits at its minimum.
    case coldStart = "cold-start"
}

/// Scaling policy of a run.
public enum PolicyKind: String, Sendable, CaseIterable, Codable {
    /// Headroom's own policy: queue, rate and p99 signals, the database budget, warm-up, the
    /// starting cap and panic mode.
    case headroom
    /// Headroom configured as the HPA with its defaults: scaling on p99 and the 5xx ratio, no
    /// budget, no warm-up rules.
    case hpaLike = "hpa-like"
}

/// Source of the load generator's schedule.
public enum LoadSchedule: Sendable, Equatable, Codable {
    /// A window of the WorldCup98 per-minute trace, replayed at `compression` trace seconds per
    /// wall second. The rates are scaled so the window's busiest minute is `peak` requests/s,
    /// and no second is below `floor`.
    case worldCup98(from: String, to: String, compression: Double, peak: Double, floor: Double)
    /// One rate per wall second, in requests/s.
    case rates([Double])

    /// Seconds the schedule lasts.
    public var duration: Double {
        switch self {
        case .worldCup98(let from, let to, let compression, _, _):
            return Double(Self.minutes(from: from, to: to) * 60) / compression
        case .rates(let rates):
            return Double(rates.count)
        }
    }

    /// Counts the minutes between two `YYYY-MM-DD HH:MM` labels of the same day.
    static func minutes(from: String, to: String) -> Int {
        func minuteOfDay(_ label: String) -> Int {
            let clock = label.split(separator: " ").last.map(String.init) ?? ""
            let parts = clock.split(separator: ":").compactMap { Int($0) }
            // NOTE: a label without a valid `HH:MM` counts as minute 0 instead of being rejected.
            return parts.count == 2 ? parts[0] * 60 + parts[1] : 0
        }
        return minuteOfDay(to) - minuteOfDay(from)
    }

    /// Builds per-second rates from segments. Each segment goes linearly from `from` to `to`
    /// over its `seconds`, and a flat segment has `from` equal to `to`.
    static func steps(_ segments: [(seconds: Int, from: Double, to: Double)]) -> LoadSchedule {
        var rates: [Double] = []
        for segment in segments {
            for second in 0..<segment.seconds {
                let fraction = segment.seconds <= 1 ? 1 : Double(second) / Double(segment.seconds - 1)
                rates.append(segment.from + (segment.to - segment.from) * fraction)
            }
        }
        return .rates(rates)
    }
}

/// Sizes and timings of the stack for one scenario.
public struct StackSettings: Sendable, Equatable, Codable {
    public var minReplicas: Int
    public var maxReplicas: Int
    /// `DB_POOL__MIN` and `DB_POOL__MAX` of every fleet-app process.
    public var poolMin: Int
    public var poolMax: Int
    /// `DB_POOL__ACQUIRE_TIMEOUT_MILLIS`.
    public var acquireTimeoutMilliseconds: Int
    /// Item requests that one process serves at once, which is also HAProxy's per-server
    /// `maxconn`.
    public var concurrency: Int
    /// Database time per request (`pg_sleep` inside the statement).
    public var querySeconds: Double
    /// Seconds from a process's start until it is ready, counted after its pool's first
    /// connections.
    public var startupDelaySeconds: Double
    /// Seconds of the cold period after Ready, and the extra seconds a request takes at the
    /// period's start.
    public var coldSeconds: Double
    public var coldExtraSeconds: Double
    /// PostgreSQL's `max_connections` and `superuser_reserved_connections`.
    public var maxConnections: Int
    public var superuserReservedConnections: Int
    /// HAProxy's `slowstart` for new servers and `timeout queue`, in seconds.
    public var slowstartSeconds: Int
    public var queueTimeoutSeconds: Int
    /// Headroom's control-loop interval and Prometheus's scrape interval, in seconds.
    public var intervalSeconds: Int
    public var scrapeIntervalSeconds: Int
    /// Flag that routes the pods to PostgreSQL through PgBouncer in transaction mode.
    public var pgbouncer: Bool
    /// PgBouncer's `default_pool_size` and `max_client_conn` when `pgbouncer` is set.
    public var pgbouncerPoolSize: Int
    public var pgbouncerMaxClientConnections: Int

    /// Requests per second that one warm process serves. The process's connections, the smaller
    /// of its pool size and its concurrency limit, are each busy for the query time.
    public var capacityPerReplica: Double { Double(min(poolMax, concurrency)) / querySeconds }
}

/// Policy settings that differ between scenarios, for both policies.
public struct PolicySettings: Sendable, Equatable, Codable {
    /// Scale-down stabilization window of Headroom's policy, in seconds.
    public var scaleDownWindowSeconds: Int
    /// `coldStart.maxStartingPods` of Headroom's policy.
    public var maxStartingPods: Int
    /// `otherClients` of the budget: connections that are not the pods' pools (the Postgres
    /// exporter, the seed, psql).
    public var otherClients: Int
    /// Scale-down stabilization window of the HPA-like policy, in seconds. The HPA's default is
    /// 300 s.
    public var hpaScaleDownWindowSeconds: Int
    /// p99 objective, in seconds, for both policies and the report.
    public var p99TargetSeconds: Double
}

/// One scenario at one length: the load, the stack and the policy settings.
public struct Scenario: Sendable, Equatable, Codable {
    public var name: ScenarioName
    /// Flag for the short version that CI runs.
    public var short: Bool
    public var load: LoadSchedule
    public var stack: StackSettings
    public var policy: PolicySettings
    /// Seconds that the run continues after the load ends, for the return to the floor.
    public var tailSeconds: Int
    /// One-line description of the scenario's purpose, for the report.
    public var summary: String

    /// Connection budget that Headroom's policy derives from the Postgres exporter:
    /// `max_connections − superuser_reserved_connections − otherClients`, with no margin.
    public var budgetConnections: Int {
        // Behind PgBouncer the pods' pools connect to PgBouncer, so its max_client_conn is the budget.
        if stack.pgbouncer { return stack.pgbouncerMaxClientConnections - policy.otherClients }
        return stack.maxConnections - stack.superuserReservedConnections - policy.otherClients
    }

    /// Replicas whose full pools fit in the connection budget.
    public var budgetReplicas: Int { max(0, budgetConnections / stack.poolMax) }

    /// Bound that the starting cap keeps on new PostgreSQL connections per startup period.
    public var newConnectionBound: Int { policy.maxStartingPods * stack.poolMax }

    /// Returns the scenario called `name`, in its short or full version.
    public static func named(_ name: ScenarioName, short: Bool) -> Scenario {
        switch name {
        case .flashCrowd: flashCrowd(short: short)
        case .databaseBound: databaseBound(short: short)
        case .coldStart: coldStart(short: short)
        }
    }

    /// Returns the stack settings that every scenario starts from. Pools of 4 connections are
    /// busy 100 ms per request, so a warm process serves 40 requests/s whatever the CPU does. A
    /// process takes up to 16 requests at once, and HAProxy queues the rest. Requests beyond the
    /// pool wait for a connection, as Knex's queue does, for at most 3 s before an HTTP 503.
    static func baseStack() -> StackSettings {
        StackSettings(
            minReplicas: 2,
            maxReplicas: 12,
            poolMin: 2,
            poolMax: 4,
            acquireTimeoutMilliseconds: 3000,
            concurrency: 16,
            querySeconds: 0.1,
            startupDelaySeconds: 5,
            coldSeconds: 10,
            coldExtraSeconds: 0.15,
            maxConnections: 100,
            superuserReservedConnections: 3,
            slowstartSeconds: 5,
            queueTimeoutSeconds: 10,
            intervalSeconds: 2,
            scrapeIntervalSeconds: 1,
            pgbouncer: false,
            pgbouncerPoolSize: 20,
            pgbouncerMaxClientConnections: 200
        )
    }

    /// Returns the policy settings that every scenario starts from.
    static func basePolicy(short: Bool) -> PolicySettings {
        PolicySettings(
            scaleDownWindowSeconds: short ? 14 : 30,
            maxStartingPods: 3,
            otherClients: 2,
            hpaScaleDownWindowSeconds: 300,
            p99TargetSeconds: 0.5
        )
    }

    /// Builds the WorldCup98 scenario of 1998-05-12, with a 46-fold crowd from 06:38 to 06:44.
    /// The full run replays 06:25 to 07:10 ten times faster (270 s). The short run replays 06:34
    /// to 06:58 twenty times faster (72 s). The busiest minute becomes 300 (short: 240)
    /// requests/s, the work of about eight (short: six) warm processes. The base load after the
    /// crowd lasts long enough for the return to the floor, so the signals keep real values.
    static func flashCrowd(short: Bool) -> Scenario {
        let policy = basePolicy(short: short)
        let load: LoadSchedule =
            short
            ? .worldCup98(from: "1998-05-12 06:34", to: "1998-05-12 06:58", compression: 20, peak: 240, floor: 8)
            : .worldCup98(from: "1998-05-12 06:25", to: "1998-05-12 07:10", compression: 10, peak: 300, floor: 8)
        return Scenario(
            name: .flashCrowd,
            short: short,
            load: load,
            stack: baseStack(),
            policy: policy,
            tailSeconds: 4,
            summary: "WorldCup98 flash crowd: replicas rise as HAProxy's queue builds and return to the floor"
        )
    }

    /// Builds a flash sale on a PostgreSQL with `max_connections` 24. Subtracting 3 reserved
    /// slots and 2 other clients leaves 19 connections, so 4 pods with pools of 4 fit. The peak
    /// needs about 7 warm processes (short: 6).
    static func databaseBound(short: Bool) -> Scenario {
        var stack = baseStack()
        stack.maxConnections = 24
        let policy = basePolicy(short: short)
        let load =
            short
            ? LoadSchedule.steps([(6, 15, 15), (4, 15, 240), (26, 240, 240), (4, 240, 15)])
            : LoadSchedule.steps([(20, 15, 15), (10, 15, 280), (90, 280, 280), (10, 280, 15), (30, 15, 15)])
        return Scenario(
            name: .databaseBound,
            short: short,
            load: load,
            stack: stack,
            policy: policy,
            tailSeconds: short ? 4 : 20,
            summary: "Flash sale on a small PostgreSQL: the connection budget runs out before the load is served"
        )
    }

    /// Builds a step from 10 to 240 (full: 300) requests/s, starting from the minimum of 2
    /// processes. Every process opens its whole pool at start (`DB_POOL__MIN` = `DB_POOL__MAX` =
    /// 4), so new PostgreSQL connections count starting processes.
    static func coldStart(short: Bool) -> Scenario {
        var stack = baseStack()
        stack.poolMin = stack.poolMax
        let policy = basePolicy(short: short)
        let load =
            short
            ? LoadSchedule.steps([(4, 10, 10), (30, 240, 240)])
            : LoadSchedule.steps([(10, 10, 10), (100, 300, 300), (30, 10, 10)])
        return Scenario(
            name: .coldStart,
            short: short,
            load: load,
            stack: stack,
            policy: policy,
            tailSeconds: short ? 4 : 20,
            summary: "Cold start from the minimum: the starting cap bounds new PostgreSQL connections"
        )
    }
}
