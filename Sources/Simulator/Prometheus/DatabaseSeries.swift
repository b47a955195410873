import FleetModel

/// A gauge of the PostgreSQL or PgBouncer exporter that the virtual Prometheus records, under
/// the names of Debian 12's prometheus-postgres-exporter 0.11.1 and the prometheus-community
/// pgbouncer_exporter. The database budget's default queries read these.
///
/// The fleet has one PostgreSQL and one PgBouncer pool, so each gauge is one series.
public enum DatabaseSeries: String, Sendable, Equatable, Hashable, CaseIterable {
    /// `pg_settings_max_connections`.
    case maxConnections = "pg_settings_max_connections"
    /// `pg_settings_superuser_reserved_connections`.
    case reservedConnections = "pg_settings_superuser_reserved_connections"
    /// `pg_stat_activity_count{state="active"}`: server connections running a query.
    case activeConnections = #"pg_stat_activity_count{state="active"}"#
    /// `pg_stat_activity_count{state="idle"}`: server connections open and idle.
    case idleConnections = #"pg_stat_activity_count{state="idle"}"#
    /// `pgbouncer_pools_client_waiting_connections`: clients waiting for a server connection.
    case pgbouncerClientsWaiting = "pgbouncer_pools_client_waiting_connections"
    /// `pgbouncer_pools_server_active_connections`: server connections linked to a client.
    case pgbouncerServersActive = "pgbouncer_pools_server_active_connections"

    /// The metric name without labels.
    public var metricName: String {
        switch self {
        case .activeConnections, .idleConnections: "pg_stat_activity_count"
        default: rawValue
        }
    }

    /// Returns the value `snapshot` exports for this series, or nil when its exporter does not
    /// exist (the PgBouncer gauges of a fleet without PgBouncer).
    public func value(in snapshot: FleetSnapshot) -> Double? {
        switch self {
        case .maxConnections: Double(snapshot.postgres.maxConnections)
        case .reservedConnections: Double(snapshot.postgres.superuserReservedConnections)
        case .activeConnections: snapshot.postgres.activeConnections
        case .idleConnections: snapshot.postgres.idleConnections
        case .pgbouncerClientsWaiting: snapshot.pgbouncer?.clientWaiting
        case .pgbouncerServersActive: snapshot.pgbouncer?.serverActive
        }
    }
}
