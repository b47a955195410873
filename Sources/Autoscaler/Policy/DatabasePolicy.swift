/// A database whose connections the targets that use it share, and how Headroom reads its limit
/// and its load. Every target that names it in `database.name` draws from one budget.
public struct DatabasePolicy: Sendable, Equatable, Codable {
    public var name: String
    /// PostgreSQL's `max_connections`.
    public var maxConnections: DatabaseValue
    /// Connections only superusers may open (`superuser_reserved_connections`).
    public var reservedConnections: DatabaseValue
    /// Connections kept free on top of the reserved ones.
    public var margin: ConnectionMargin
    /// Connections that clients other than Headroom's targets hold (migrations, cron, admin).
    public var otherClients: DatabaseValue
    /// PromQL for the connections busy running a query now; `nil` turns saturation detection off
    /// (without PgBouncer).
    public var activeConnectionsQuery: String?
    /// The share of the usable connections at or above which active connections, with pool
    /// waiters, mean the database is saturated (0 < x <= 1).
    public var saturationThreshold: Double
    /// Seconds a budget read from queries stays in use after its queries stop returning values.
    /// After that, scale-up stops until they return values again.
    public var budgetMaxAgeSeconds: Int
    /// PgBouncer in front of the database, whose client limit is the budget then.
    public var pgbouncer: PgBouncerPolicy?

    public init(
        name: String,
        maxConnections: DatabaseValue,
        reservedConnections: DatabaseValue = .fixed(3),
        margin: ConnectionMargin = .connections(0),
        otherClients: DatabaseValue = .fixed(0),
        activeConnectionsQuery: String? = nil,
        saturationThreshold: Double = DatabasePolicy.defaultSaturationThreshold,
        budgetMaxAgeSeconds: Int = DatabasePolicy.defaultBudgetMaxAgeSeconds,
        pgbouncer: PgBouncerPolicy? = nil
    ) {
        self.name = name
        self.maxConnections = maxConnections
        self.reservedConnections = reservedConnections
        self.margin = margin
        self.otherClients = otherClients
        self.activeConnectionsQuery = activeConnectionsQuery
        self.saturationThreshold = saturationThreshold
        self.budgetMaxAgeSeconds = budgetMaxAgeSeconds
        self.pgbouncer = pgbouncer
    }

    public static let defaultSaturationThreshold = 0.9
    public static let defaultBudgetMaxAgeSeconds = 120
}

/// PgBouncer between the pods and PostgreSQL: pods' pools connect to PgBouncer, which holds at
/// most `poolSize` server connections per database and user pair.
public struct PgBouncerPolicy: Sendable, Equatable, Codable {
    /// `max_client_conn`: the client connections PgBouncer accepts, the budget for the pods.
    public var maxClientConnections: DatabaseValue
    /// `default_pool_size` (or the database's `pool_size`): server connections per pool.
    public var poolSize: DatabaseValue
    /// PromQL for the clients waiting for a server connection.
    public var clientsWaitingQuery: String?
    /// PromQL for the server connections in use.
    public var serversActiveQuery: String?
    /// Cycles in a row with waiting clients and every server connection active that mean the
    /// database is saturated.
    public var saturationCycles: Int

    public init(
        maxClientConnections: DatabaseValue,
        poolSize: DatabaseValue,
        clientsWaitingQuery: String? = nil,
        serversActiveQuery: String? = nil,
        saturationCycles: Int = 2
    ) {
        self.maxClientConnections = maxClientConnections
        self.poolSize = poolSize
        self.clientsWaitingQuery = clientsWaitingQuery
        self.serversActiveQuery = serversActiveQuery
        self.saturationCycles = saturationCycles
    }
}

/// A number in a database budget: written in the policy, or read each cycle with PromQL.
public enum DatabaseValue: Sendable, Equatable, Codable {
    case fixed(Double)
    case query(String)

    public var fixedValue: Double? {
        if case .fixed(let value) = self { return value }
        return nil
    }

    public var query: String? {
        if case .query(let text) = self { return text }
        return nil
    }
}

/// Connections kept free, as a count or a share of `max_connections` (or of PgBouncer's
/// `max_client_conn` behind PgBouncer).
public enum ConnectionMargin: Sendable, Equatable, Codable {
    case connections(Int)
    /// A fraction (0.1 for 10 %), rounded up to whole connections.
    case fraction(Double)

    /// Returns the connections kept free out of `limit`.
    public func connections(of limit: Double) -> Double {
        switch self {
        case .connections(let count): Double(max(count, 0))
        case .fraction(let share): (max(limit, 0) * share - 1e-9).rounded(.up)
        }
    }
}

/// A target's use of a database: which budget it draws from and how many connections each pod
/// opens at most.
public struct DatabaseBinding: Sendable, Equatable, Codable {
    /// The name of an entry of the policy's `databases`.
    public var name: String
    /// Connections one pod's pool opens at most (Directus `DB_POOL__MAX`).
    public var poolSize: DatabaseValue
    /// A signal of the target whose value above 0 means the pods' pools have waiters; with
    /// the database's active connections near its limit, it marks the database as the
    /// bottleneck. Without it, the database side alone decides.
    public var poolWaitingSignal: String?

    public init(name: String, poolSize: DatabaseValue, poolWaitingSignal: String? = nil) {
        self.name = name
        self.poolSize = poolSize
        self.poolWaitingSignal = poolWaitingSignal
    }
}

extension DatabasePolicy {
    /// Names of the values read for a database, as the signals of its `queryTarget`.
    public enum Reading: String, Sendable, CaseIterable {
        case maxConnections
        case reservedConnections
        case otherClients
        case activeConnections
        case pgbouncerMaxClientConnections
        case pgbouncerPoolSize
        case pgbouncerClientsWaiting
        case pgbouncerServersActive
    }

    /// The namespace of the pseudo-targets that carry databases' queries through a
    /// `SignalSource`; it is not a valid Kubernetes namespace, so no real target shares it.
    public static let queryNamespace = "@databases"

    /// The database's queries as a pseudo-target, so any `SignalSource` reads them in the same
    /// batch as the targets' signals; `nil` when every value is fixed.
    public var queryTarget: TargetPolicy? {
        var queries: [(Reading, String)] = []
        if let query = maxConnections.query { queries.append((.maxConnections, query)) }
        if let query = reservedConnections.query { queries.append((.reservedConnections, query)) }
        if let query = otherClients.query { queries.append((.otherClients, query)) }
        if let query = activeConnectionsQuery { queries.append((.activeConnections, query)) }
        if let pgbouncer {
            if let query = pgbouncer.maxClientConnections.query {
                queries.append((.pgbouncerMaxClientConnections, query))
            }
            if let query = pgbouncer.poolSize.query { queries.append((.pgbouncerPoolSize, query)) }
            if let query = pgbouncer.clientsWaitingQuery { queries.append((.pgbouncerClientsWaiting, query)) }
            if let query = pgbouncer.serversActiveQuery { queries.append((.pgbouncerServersActive, query)) }
        }
        guard !queries.isEmpty else { return nil }
        let signals = queries.map { reading, query in
            SignalPolicy(
                name: reading.rawValue,
                query: query,
                target: SignalTarget(dimension: .count, baseValue: 1, text: "1"),
                rule: nil,
                maxSampleAgeSeconds: SignalPolicy.defaultMaxSampleAgeSeconds,
                onEmpty: reading == .pgbouncerClientsWaiting ? .zero : .noData,
                role: .guard,
                category: .pool
            )
        }
        return TargetPolicy(namespace: Self.queryNamespace, name: name, maxReplicas: 1, signals: signals)
    }
}
