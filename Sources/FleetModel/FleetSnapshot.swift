/// Where a pod is in its life, in the terms `kubectl get pods` shows.
public enum PodPhase: String, Sendable, Equatable, CaseIterable {
    /// Created, not yet bound to a node (phase Pending, no node). Unschedulable pods stay here.
    case pending
    /// Bound and starting: phase Running, container started or starting, not Ready.
    case starting
    /// Ready and in the endpoints.
    case ready
    /// Deleted: out of the endpoints, finishing its queue within the grace period.
    case terminating
}

/// Requests counted by the HTTP status they ended with.
public struct StatusCounts: Sendable, Equatable {
    public var ok: Double = 0
    /// HTTP 502: lost when a terminating pod was killed at the end of its grace period.
    public var badGateway: Double = 0
    /// HTTP 503: admission queue full, pool acquire timeout, no database connection, or no
    /// Ready pod behind the Service.
    public var unavailable: Double = 0
    /// HTTP 504: older than the request timeout.
    public var timedOut: Double = 0

    public init() {}

    public var total: Double { ok + badGateway + unavailable + timedOut }
    public var errors: Double { badGateway + unavailable + timedOut }

    /// The counts by status code, for exporters.
    public var byCode: [(code: Int, count: Double)] {
        [(200, ok), (502, badGateway), (503, unavailable), (504, timedOut)]
    }

    public static func + (left: StatusCounts, right: StatusCounts) -> StatusCounts {
        var sum = StatusCounts()
        sum.ok = left.ok + right.ok
        sum.badGateway = left.badGateway + right.badGateway
        sum.unavailable = left.unavailable + right.unavailable
        sum.timedOut = left.timedOut + right.timedOut
        return sum
    }
}

/// One pod as the testbed publishes it: identity and lifecycle times for the Kubernetes API,
/// cumulative counters and current gauges for `/metrics`. Times are model seconds since the
/// fleet started.
public struct PodSnapshot: Sendable, Equatable {
    public var name: String
    public var phase: PodPhase
    public var createdAt: Double
    public var scheduledAt: Double?
    /// When the application started listening.
    public var startedAt: Double?
    /// When the pod turned Ready; nil until then, and for a pod deleted before it got there.
    public var readyAt: Double?
    /// When the pod was deleted; it terminates until `deletedAt` plus the grace period.
    public var deletedAt: Double?
    /// True when the cluster cannot place the pod (it stays Pending).
    public var unschedulable: Bool
    /// Capacity as a fraction of a warm pod's, 0 until Ready.
    public var warmth: Double

    /// Requests this pod finished, by status (cumulative).
    public var requests: StatusCounts
    /// Latency of the requests this pod finished, any status (cumulative).
    public var latency: LatencyHistogram
    /// Time of each database query the pod ran, pool wait excluded (cumulative), as Directus
    /// core's `directus_db_pg_response_time_ms` measures it.
    public var queryTime: LatencyHistogram

    /// Requests waiting for the event loop now.
    public var queueDepth: Double
    /// Requests admitted and not finished now (queued, on the CPU or in the database).
    public var inFlight: Double
    /// Pool connections in use by a query now.
    public var poolActive: Double
    /// Pool connections open and unused now.
    public var poolIdle: Double
    /// Requests waiting for a pool connection now.
    public var poolPending: Double
    /// Connection attempts refused by PostgreSQL or PgBouncer (cumulative).
    public var connectionErrors: Double
}

/// PostgreSQL as its exporter sees it.
public struct PostgresSnapshot: Sendable, Equatable {
    public var maxConnections: Int
    public var superuserReservedConnections: Int
    /// Server connections running a query now.
    public var activeConnections: Double
    /// Server connections open and idle now (other clients included).
    public var idleConnections: Double
    /// Connection attempts refused with "too many clients" (cumulative).
    public var refusedConnections: Double
}

/// PgBouncer's `SHOW POOLS` for the fleet's database and user.
public struct PgBouncerSnapshot: Sendable, Equatable {
    public var clientActive: Double
    public var clientWaiting: Double
    public var serverActive: Double
    public var serverIdle: Double
    /// Age of the oldest waiting client, whole seconds as `SHOW POOLS` reports `maxwait`.
    public var clientMaxWait: Double
    public var poolSize: Int
    public var maxClientConnections: Int
    /// Client connections refused because `max_client_conn` was reached (cumulative).
    public var refusedClientConnections: Double
}

/// The whole fleet after a tick.
public struct FleetSnapshot: Sendable, Equatable {
    /// Model seconds since the fleet started.
    public var time: Double
    /// The replica count the fleet was last scaled to (`spec.replicas`).
    public var desiredReplicas: Int
    /// Every pod that exists, terminating ones included, oldest first.
    public var pods: [PodSnapshot]
    /// Requests that reached the Service while no pod was Ready (HTTP 503 at the ingress),
    /// cumulative.
    public var unroutedRequests: Double
    /// Every request at the ingress: the pods' counts plus the unrouted ones (cumulative).
    public var ingressRequests: StatusCounts
    /// Latency of every request at the ingress (cumulative).
    public var ingressLatency: LatencyHistogram
    public var postgres: PostgresSnapshot
    /// Nil for a fleet without PgBouncer.
    public var pgbouncer: PgBouncerSnapshot?

    /// Pods in `phase`.
    public func count(_ phase: PodPhase) -> Int { pods.filter { $0.phase == phase }.count }
}

/// What happened during one tick, for reports and checks.
public struct TickReport: Sendable, Equatable {
    /// Model time at the end of the tick.
    public var time: Double
    /// Requests that arrived during the tick.
    public var arrivals: Double
    /// Requests that finished during the tick, by status.
    public var requests: StatusCounts
    /// Latency of the requests that finished during the tick.
    public var latency: LatencyHistogram
    public var readyPods: Int
    public var startingPods: Int
    public var pendingPods: Int
    public var terminatingPods: Int
    /// Server connections open on PostgreSQL at the end of the tick.
    public var databaseConnections: Double
    /// Requests waiting for an event loop, summed over pods.
    public var queueDepth: Double
    /// Connections the pods' pools hold at the end of the tick, terminating pods included: on
    /// PostgreSQL when direct, on PgBouncer's client side behind it.
    public var clientConnections: Double
    /// Connection attempts refused during the tick, by PostgreSQL ("too many clients") or by
    /// PgBouncer (`max_client_conn`).
    public var refusedConnections: Double

    public init(
        time: Double,
        arrivals: Double,
        requests: StatusCounts,
        latency: LatencyHistogram,
        readyPods: Int,
        startingPods: Int,
        pendingPods: Int,
        terminatingPods: Int,
        databaseConnections: Double,
        queueDepth: Double,
        clientConnections: Double = 0,
        refusedConnections: Double = 0
    ) {
        self.time = time
        self.arrivals = arrivals
        self.requests = requests
        self.latency = latency
        self.readyPods = readyPods
        self.startingPods = startingPods
        self.pendingPods = pendingPods
        self.terminatingPods = terminatingPods
        self.databaseConnections = databaseConnections
        self.queueDepth = queueDepth
        self.clientConnections = clientConnections
        self.refusedConnections = refusedConnections
    }
}
