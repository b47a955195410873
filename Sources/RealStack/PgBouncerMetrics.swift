import Foundation
import PostgresClient

/// The mapping from PgBouncer's admin console (`SHOW POOLS`, `SHOW DATABASES`, `SHOW STATS`)
/// to the metric names of prometheus-community/pgbouncer_exporter, the widely deployed Go
/// exporter, so that dashboards and Headroom queries written for it work unchanged.
///
/// Names and labels follow that exporter's `collector.go` (namespace `pgbouncer`, subsystems
/// `pools`, `databases` and `stats`). Its stats come from `SHOW STATS_TOTALS` with columns such as
/// `query_count`; here they come from `SHOW STATS` with PgBouncer 1.18's `total_`-prefixed
/// columns, which hold the same counters.
public enum PgBouncerMetrics {
    public enum Kind: String, Sendable {
        case gauge
        case counter
    }

    /// One column that becomes one metric.
    public struct Column: Sendable {
        public var column: String
        public var metric: String
        public var kind: Kind
        /// The factor from the column's unit to the metric's (1e-6 for microseconds to seconds).
        public var scale: Double
        public var help: String
    }

    /// One admin console command and how its rows become metrics.
    public struct Table: Sendable {
        public var command: String
        public var subsystem: String
        /// Columns copied into labels, in this order; a NULL becomes an empty label value.
        public var labels: [String]
        public var columns: [Column]
    }

    public static let pools = Table(
        command: "SHOW POOLS;",
        subsystem: "pools",
        labels: ["database", "user"],
        columns: [
            Column(
                column: "cl_active",
                metric: "client_active_connections",
                kind: .gauge,
                scale: 1,
                help: "Client connections linked to a server connection and able to process queries"
            ),
            Column(
                column: "cl_waiting",
                metric: "client_waiting_connections",
                kind: .gauge,
                scale: 1,
                help: "Client connections waiting for a server connection"
            ),
            Column(
                column: "cl_active_cancel_req",
                metric: "client_active_cancel_connections",
                kind: .gauge,
                scale: 1,
                help: "Client connections that forwarded a cancel request and wait for the server's response"
            ),
            Column(
                column: "cl_waiting_cancel_req",
                metric: "client_waiting_cancel_connections",
                kind: .gauge,
                scale: 1,
                help: "Client connections whose cancel request is not forwarded yet"
            ),
            Column(
                column: "sv_active",
                metric: "server_active_connections",
                kind: .gauge,
                scale: 1,
                help: "Server connections linked to a client connection"
            ),
            Column(
                column: "sv_active_cancel",
                metric: "server_active_cancel_connections",
                kind: .gauge,
                scale: 1,
                help: "Server connections forwarding a cancel request"
            ),
            Column(
                column: "sv_being_canceled",
                metric: "server_being_canceled_connections",
                kind: .gauge,
                scale: 1,
                help: "Server connections waiting for in-flight cancel requests before they become idle"
            ),
            Column(
                column: "sv_idle",
                metric: "server_idle_connections",
                kind: .gauge,
                scale: 1,
                help: "Server connections idle and ready for a client query"
            ),
            Column(
                column: "sv_used",
                metric: "server_used_connections",
                kind: .gauge,
                scale: 1,
                help: "Server connections idle for longer than server_check_delay"
            ),
            Column(
                column: "sv_tested",
                metric: "server_testing_connections",
                kind: .gauge,
                scale: 1,
                help: "Server connections running server_reset_query or server_check_query"
            ),
            Column(
                column: "sv_login",
                metric: "server_login_connections",
                kind: .gauge,
                scale: 1,
                help: "Server connections logging in"
            ),
            // NOTE: whole seconds, as the Go exporter exports them; the sub-second part in
            // `maxwait_us` is left out so that the values match that exporter's.
            Column(
                column: "maxwait",
                metric: "client_maxwait_seconds",
                kind: .gauge,
                scale: 1,
                help: "Age of the oldest waiting client connection in whole seconds"
            ),
        ]
    )

    public static let databases = Table(
        command: "SHOW DATABASES;",
        subsystem: "databases",
        labels: ["name", "host", "port", "database", "force_user", "pool_mode"],
        columns: [
            Column(
                column: "pool_size",
                metric: "pool_size",
                kind: .gauge,
                scale: 1,
                help: "Maximum number of server connections"
            ),
            Column(
                column: "reserve_pool",
                metric: "reserve_pool",
                kind: .gauge,
                scale: 1,
                help: "Maximum number of additional server connections for this database"
            ),
            Column(
                column: "max_connections",
                metric: "max_connections",
                kind: .gauge,
                scale: 1,
                help: "Maximum number of allowed server connections for this database"
            ),
            Column(
                column: "current_connections",
                metric: "current_connections",
                kind: .gauge,
                scale: 1,
                help: "Current number of server connections for this database"
            ),
            Column(
                column: "paused",
                metric: "paused",
                kind: .gauge,
                scale: 1,
                help: "1 if this database is paused, else 0"
            ),
            Column(
                column: "disabled",
                metric: "disabled",
                kind: .gauge,
                scale: 1,
                help: "1 if this database is disabled, else 0"
            ),
        ]
    )

    public static let stats = Table(
        command: "SHOW STATS;",
        subsystem: "stats",
        labels: ["database"],
        columns: [
            Column(
                column: "total_query_count",
                metric: "queries_pooled_total",
                kind: .counter,
                scale: 1,
                help: "Total number of SQL queries pooled"
            ),
            Column(
                column: "total_query_time",
                metric: "queries_duration_seconds_total",
                kind: .counter,
                scale: 1e-6,
                help: "Total seconds spent by PgBouncer connected to PostgreSQL and executing queries"
            ),
            Column(
                column: "total_received",
                metric: "received_bytes_total",
                kind: .counter,
                scale: 1,
                help: "Total bytes of network traffic received by PgBouncer"
            ),
            Column(
                column: "total_sent",
                metric: "sent_bytes_total",
                kind: .counter,
                scale: 1,
                help: "Total bytes of network traffic sent by PgBouncer"
            ),
            Column(
                column: "total_wait_time",
                metric: "client_wait_seconds_total",
                kind: .counter,
                scale: 1e-6,
                help: "Total seconds clients spent waiting for a server connection"
            ),
            Column(
                column: "total_xact_count",
                metric: "sql_transactions_pooled_total",
                kind: .counter,
                scale: 1,
                help: "Total number of SQL transactions pooled"
            ),
            Column(
                column: "total_xact_time",
                metric: "server_in_transaction_seconds_total",
                kind: .counter,
                scale: 1e-6,
                help: "Total seconds spent by PgBouncer connected to PostgreSQL in a transaction"
            ),
        ]
    )

    /// The columns and rows of one admin console result, every value as text, nil for NULL.
    public struct Result: Sendable, Equatable {
        public var columns: [String]
        public var rows: [[String?]]

        public init(columns: [String], rows: [[String?]]) {
            self.columns = columns
            self.rows = rows
        }

        public init(_ result: PostgresResult) {
            self.init(columns: result.columns, rows: result.rows)
        }
    }

    /// The three tables in scrape order.
    public static let tables = [pools, databases, stats]

    /// Renders one scrape in the Prometheus text format: `pgbouncer_up 1` and a metric family
    /// per known column, or `pgbouncer_up 0` and nothing else when `results` is nil (a failed
    /// admin query), so that no stale value is served.
    ///
    /// A column absent from a result (older or newer PgBouncer) is left out. A value that is
    /// not a number is left out too, because the Go exporter also skips such a value.
    public static func render(_ results: [String: Result]?) -> String {
        var text = "# HELP pgbouncer_up 1 if the last scrape of PgBouncer's admin console succeeded, else 0\n"
        text += "# TYPE pgbouncer_up gauge\n"
        guard let results else { return text + "pgbouncer_up 0\n" }
        text += "pgbouncer_up 1\n"
        for table in tables {
            guard let result = results[table.command] else { continue }
            text += render(table, result)
        }
        return text
    }

    /// Renders the metric families of one table.
    static func render(_ table: Table, _ result: Result) -> String {
        var text = ""
        for column in table.columns {
            guard let index = result.columns.firstIndex(of: column.column) else { continue }
            let name = "pgbouncer_\(table.subsystem)_\(column.metric)"
            var lines = ""
            for row in result.rows {
                guard let raw = row[index], let number = Double(raw) else { continue }
                let labels = table.labels.map { label -> String in
                    let value = result.columns.firstIndex(of: label).flatMap { row[$0] } ?? ""
                    return "\(label)=\"\(escapeLabel(value))\""
                }
                lines += "\(name){\(labels.joined(separator: ","))} \(format(number * column.scale))\n"
            }
            text += "# HELP \(name) \(column.help)\n# TYPE \(name) \(column.kind.rawValue)\n" + lines
        }
        return text
    }

    /// Runs the three admin console commands on `connection` and returns their results by
    /// command, or throws the first error.
    public static func query(_ connection: PostgresConnection) throws(PostgresError) -> [String: Result] {
        var results: [String: Result] = [:]
        for table in tables {
            results[table.command] = Result(try connection.simpleQuery(table.command))
        }
        return results
    }

    static func escapeLabel(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Formats whole numbers without a fraction, others with Swift's shortest exact form.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
