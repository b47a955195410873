import Foundation

/// The fixed facts of one fleet: how a pod spends a request, how its connection pool and the
/// shared database behave, and how pods start and stop.
///
/// Durations are seconds of model time. The two scored fleets, `directusPgBouncer` and
/// `directusDirect`, carry the values of the scoring scenarios exactly; change a copy for
/// anything else.
public struct FleetParameters: Sendable, Equatable {
    /// Name printed in reports, such as `directus-pgbouncer`.
    public var name: String
    /// CPU time one request takes on a pod's event loop when the pod is warm.
    public var cpuTimePerRequest: Double
    /// Squared coefficient of variation of the CPU time: 0 for a fixed time, 1 for an
    /// exponential one. Node.js handlers of one route are close to fixed.
    public var cpuTimeVariability: Double
    /// Requests a pod runs on the CPU at once: 1 for a Node.js event loop.
    public var workersPerPod: Int
    /// Time one request holds a pool connection for its queries while the database is not
    /// contended.
    public var databaseTimePerRequest: Double
    /// Squared coefficient of variation of the database time (0: fixed).
    public var databaseTimeVariability: Double
    public var database: DatabaseParameters
    public var pool: PoolParameters
    /// PgBouncer in transaction mode between the pods and PostgreSQL, or nil when every pod's
    /// pool connects to PostgreSQL directly.
    public var pgbouncer: PgBouncerParameters?
    public var admission: AdmissionParameters
    public var lifecycle: PodLifecycle

    public init(
        name: String,
        cpuTimePerRequest: Double,
        cpuTimeVariability: Double = 0,
        workersPerPod: Int = 1,
        databaseTimePerRequest: Double,
        databaseTimeVariability: Double = 0,
        database: DatabaseParameters,
        pool: PoolParameters,
        pgbouncer: PgBouncerParameters?,
        admission: AdmissionParameters,
        lifecycle: PodLifecycle
    ) {
        self.name = name
        self.cpuTimePerRequest = cpuTimePerRequest
        self.cpuTimeVariability = cpuTimeVariability
        self.workersPerPod = workersPerPod
        self.databaseTimePerRequest = databaseTimePerRequest
        self.databaseTimeVariability = databaseTimeVariability
        self.database = database
        self.pool = pool
        self.pgbouncer = pgbouncer
        self.admission = admission
        self.lifecycle = lifecycle
    }

    /// Requests per second one warm pod completes at 100 % CPU.
    public var podCapacity: Double { Double(workersPerPod) / cpuTimePerRequest }

    /// Fleet `directus-pgbouncer` of the scoring scenarios.
    public static let directusPgBouncer = FleetParameters(
        name: "directus-pgbouncer",
        cpuTimePerRequest: 0.020,
        databaseTimePerRequest: 0.010,
        database: DatabaseParameters(
            maxConnections: 100,
            superuserReservedConnections: 3,
            concurrencyBeforeSlowdown: 32
        ),
        pool: PoolParameters(minimum: 2, maximum: 10, acquireTimeout: 10, idleTimeout: 30),
        pgbouncer: PgBouncerParameters(maxClientConnections: 1000, defaultPoolSize: 40),
        admission: AdmissionParameters(queueLimit: 100, requestTimeout: 30),
        lifecycle: PodLifecycle(
            schedulingDelay: 2,
            startup: .logNormal(median: 8, sigma: 0.4, cap: 30),
            readinessProbePeriod: 5,
            warmUpStartCapacity: 0.5,
            warmUpDuration: 30,
            terminationGracePeriod: 30
        )
    )

    /// Fleet `directus-direct`: as `directus-pgbouncer` without PgBouncer.
    public static let directusDirect: FleetParameters = {
        var fleet = directusPgBouncer
        fleet.name = "directus-direct"
        fleet.pgbouncer = nil
        return fleet
    }()
}

/// The shared PostgreSQL server.
public struct DatabaseParameters: Sendable, Equatable {
    /// `max_connections`.
    public var maxConnections: Int
    /// `superuser_reserved_connections`: slots ordinary roles cannot take.
    public var superuserReservedConnections: Int
    /// Connections held by clients outside the fleet (migrations, cron jobs, exporters).
    public var otherClientConnections: Int
    /// Concurrent queries the server runs at full speed. Beyond it the server shares its
    /// capacity: a query takes its base time × active ÷ this number.
    public var concurrencyBeforeSlowdown: Int

    public init(
        maxConnections: Int,
        superuserReservedConnections: Int,
        otherClientConnections: Int = 0,
        concurrencyBeforeSlowdown: Int
    ) {
        self.maxConnections = maxConnections
        self.superuserReservedConnections = superuserReservedConnections
        self.otherClientConnections = otherClientConnections
        self.concurrencyBeforeSlowdown = concurrencyBeforeSlowdown
    }

    /// Connections the fleet (or PgBouncer) can open.
    public var connectionsForFleet: Int {
        max(0, maxConnections - superuserReservedConnections - otherClientConnections)
    }
}

/// A pod's Knex pool, set by `DB_POOL__MIN`, `DB_POOL__MAX`,
/// `DB_POOL__ACQUIRE_TIMEOUT_MILLIS` and `DB_POOL__IDLE_TIMEOUT_MILLIS`.
public struct PoolParameters: Sendable, Equatable {
    public var minimum: Int
    public var maximum: Int
    /// A request that waits longer than this for a connection fails with HTTP 503.
    public var acquireTimeout: Double
    /// A connection above the minimum is closed after this long unused.
    public var idleTimeout: Double

    public init(minimum: Int, maximum: Int, acquireTimeout: Double, idleTimeout: Double) {
        self.minimum = minimum
        self.maximum = maximum
        self.acquireTimeout = acquireTimeout
        self.idleTimeout = idleTimeout
    }
}

/// PgBouncer in transaction mode.
public struct PgBouncerParameters: Sendable, Equatable {
    /// `max_client_conn`: client connections beyond it are refused.
    public var maxClientConnections: Int
    /// `default_pool_size`: server connections per database and user pair.
    public var defaultPoolSize: Int

    public init(maxClientConnections: Int, defaultPoolSize: Int) {
        self.maxClientConnections = maxClientConnections
        self.defaultPoolSize = defaultPoolSize
    }
}

/// The admission limits of a pod: queued requests and request age.
public struct AdmissionParameters: Sendable, Equatable {
    /// Requests waiting for the event loop; one more gets HTTP 503 at once.
    public var queueLimit: Int
    /// A request older than this gets HTTP 504.
    public var requestTimeout: Double

    public init(queueLimit: Int, requestTimeout: Double) {
        self.queueLimit = queueLimit
        self.requestTimeout = requestTimeout
    }
}

/// The timing of a pod's life: scheduling, startup, readiness, warm-up and termination.
public struct PodLifecycle: Sendable, Equatable {
    /// Time from creation until the pod is bound to a node.
    public var schedulingDelay: Double
    /// Time from scheduling until the application listens.
    public var startup: StartupDistribution
    /// The readiness probe's `periodSeconds`: a pod turns Ready at the first probe after it
    /// listens, probes counted from scheduling.
    public var readinessProbePeriod: Double
    /// Capacity right after Ready as a fraction of full (cold caches, JIT); it ramps linearly
    /// to 1 over `warmUpDuration`.
    public var warmUpStartCapacity: Double
    public var warmUpDuration: Double
    /// `terminationGracePeriodSeconds`: a deleted pod leaves the endpoints at once, finishes
    /// its queue, and what is left at the end of the period fails with HTTP 502.
    public var terminationGracePeriod: Double
    /// Pods the cluster can schedule at once, or nil for no limit. Pods beyond it stay
    /// Pending and never become Ready, as under a full node pool or a resource quota.
    public var schedulablePods: Int?

    public init(
        schedulingDelay: Double,
        startup: StartupDistribution,
        readinessProbePeriod: Double,
        warmUpStartCapacity: Double,
        warmUpDuration: Double,
        terminationGracePeriod: Double,
        schedulablePods: Int? = nil
    ) {
        self.schedulingDelay = schedulingDelay
        self.startup = startup
        self.readinessProbePeriod = readinessProbePeriod
        self.warmUpStartCapacity = warmUpStartCapacity
        self.warmUpDuration = warmUpDuration
        self.terminationGracePeriod = terminationGracePeriod
        self.schedulablePods = schedulablePods
    }

    /// Capacity fraction of a pod that has been Ready for `age` seconds.
    public func warmth(readyFor age: Double) -> Double {
        guard warmUpDuration > 0, age < warmUpDuration else { return 1 }
        let start = warmUpStartCapacity
        return start + (1 - start) * max(0, age) / warmUpDuration
    }
}

/// The distribution of a pod's startup time.
public enum StartupDistribution: Sendable, Equatable {
    case fixed(Double)
    /// Log-normal with the given median and σ of the logarithm, cut at `cap`.
    case logNormal(median: Double, sigma: Double, cap: Double)

    /// Draws a startup time with `random`.
    public func sample(_ random: inout SeededRandom) -> Double {
        switch self {
        case .fixed(let seconds):
            return seconds
        case .logNormal(let median, let sigma, let cap):
            return min(cap, median * Foundation.exp(sigma * random.nextGaussian()))
        }
    }
}
