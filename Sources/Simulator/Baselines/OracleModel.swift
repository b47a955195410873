import FleetModel

/// Perfect foresight: a lower bound on what any reactive autoscaler can do on the same load,
/// fleet and objective.
///
/// Every second it keeps the replicas that serve the highest rate of the next `leadTime`
/// seconds at `podRate` requests per second per pod. A pod created now is therefore Ready before
/// the load it is for arrives. Pods go the moment they are no longer needed, because removal
/// from the endpoints is instant. The count is capped by the database budget and then held
/// in [`minReplicas`, `maxReplicas`].
///
/// Assumptions, each of which can only make the oracle cheaper or faster than reality:
/// - It reads the load schedule's rate, not a drawn or measured one.
/// - Arrivals split evenly over pods, and each pod is an M/D/1 queue of its event loop: the
///   rate is the largest whose p99 of waiting + CPU time + database time is ≤ the objective
///   (`MD1Queue`), with the pool, PgBouncer and the database never contended.
/// - New pods serve at full capacity once Ready (no warm-up).
/// `leadTime` is the slowest a pod can be: scheduling delay, plus the startup time (its cap
/// when drawn from a distribution) rounded up to the readiness probe period.
public struct OracleModel: SimulatedAutoscaler {
    public var name: String
    public var period: Double
    public let load: any LoadSchedule
    public let minReplicas: Int
    public let maxReplicas: Int
    /// Seconds from creating a pod until it is Ready, at the slowest.
    public let leadTime: Double
    /// Requests per second one pod serves within the objective.
    public let podRate: Double
    /// Pods whose pools fit the database: floor((max_connections − reserved − other clients) ÷
    /// DB_POOL__MAX) direct, or max_client_conn ÷ DB_POOL__MAX behind PgBouncer.
    public let databaseBudget: Int

    public init(
        name: String = "oracle",
        load: any LoadSchedule,
        fleet: FleetParameters,
        p99Objective: Double,
        minReplicas: Int,
        maxReplicas: Int
    ) {
        precondition(minReplicas >= 0 && maxReplicas >= max(1, minReplicas), "need 0 ≤ minReplicas ≤ maxReplicas")
        self.name = name
        self.period = 1
        self.load = load
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.leadTime = Self.leadTime(fleet.lifecycle)
        self.podRate = Self.podRate(fleet: fleet, p99Objective: p99Objective)
        self.databaseBudget = Self.databaseBudget(fleet)
    }

    public mutating func decide(_ observation: SimulatedObservation) -> Int? {
        let desired = replicas(at: observation.time)
        return desired == observation.specReplicas ? nil : desired
    }

    /// Computes the replicas the oracle keeps at `time`.
    public func replicas(at time: Double) -> Int {
        let peak = load.maximumRequestsPerSecond(from: time, to: time + leadTime)
        let needed = podRate > 0 ? BaselineMath.replicasRoundingUp(peak / podRate) : maxReplicas
        return max(minReplicas, min(needed, databaseBudget, maxReplicas))
    }

    static func leadTime(_ lifecycle: PodLifecycle) -> Double {
        let startup: Double
        switch lifecycle.startup {
        case .fixed(let seconds): startup = seconds
        case .logNormal(_, _, let cap): startup = cap
        }
        let probe = lifecycle.readinessProbePeriod
        let ready = probe > 0 ? (startup / probe).rounded(.up) * probe : startup
        return lifecycle.schedulingDelay + ready
    }

    static func podRate(fleet: FleetParameters, p99Objective: Double) -> Double {
        // Several workers per pod are treated as one server that is that many times faster.
        let service = fleet.cpuTimePerRequest / Double(max(1, fleet.workersPerPod))
        let waitBudget = p99Objective - service - fleet.databaseTimePerRequest
        // A budget a rounding error below 0 (0.030 − 0.020 − 0.010) is no room to wait, not
        // an unreachable objective.
        guard waitBudget > -1e-9 else { return 0 }
        return MD1Queue(serviceTime: service).largestArrivalRate(waitAtMost: max(0, waitBudget), quantile: 0.99)
    }

    static func databaseBudget(_ fleet: FleetParameters) -> Int {
        let poolMaximum = max(1, fleet.pool.maximum)
        if let pgbouncer = fleet.pgbouncer {
            return pgbouncer.maxClientConnections / poolMaximum
        }
        return fleet.database.connectionsForFleet / poolMaximum
    }
}
