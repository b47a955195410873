import FleetModel

/// The connection limits a fleet must stay within, for the "DB breaches" score: a tick breaches
/// them when PostgreSQL or PgBouncer refused a connection during it, or when connections at its
/// end exceed what the database allows.
struct DatabaseLimits: Sendable, Equatable {
    /// Connections ordinary roles may hold on PostgreSQL:
    /// `max_connections − superuser_reserved_connections`. Other clients' connections count
    /// against it with the fleet's.
    var server: Double
    /// PgBouncer's `max_client_conn`, the pools' limit behind PgBouncer; nil when the pools
    /// connect to PostgreSQL directly and `server` is their limit.
    var pgbouncerClients: Double?

    init(_ parameters: FleetParameters) {
        server = Double(parameters.database.maxConnections - parameters.database.superuserReservedConnections)
        pgbouncerClients = parameters.pgbouncer.map { Double($0.maxClientConnections) }
    }

    /// True when the tick of `report` breached a limit.
    func isBreached(by report: TickReport) -> Bool {
        if report.refusedConnections > 0 { return true }
        if report.databaseConnections > server { return true }
        if let pgbouncerClients, report.clientConnections > pgbouncerClients { return true }
        return false
    }
}
