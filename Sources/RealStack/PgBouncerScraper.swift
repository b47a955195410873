import Foundation
import PostgresClient
import Synchronization

/// The scrape loop of the PgBouncer exporter: one admin console connection, reused across
/// scrapes and dropped after any failure so that the next scrape reconnects.
public final class PgBouncerScraper: Sendable {
    private let conninfo: String
    private let connection = Mutex<PostgresConnection?>(nil)
    /// Failed scrapes in a row, so that a long outage logs once per 60 failures.
    private let failures = Mutex(0)
    private let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - conninfo: a libpq connection string for the admin console. Without a
    ///     `connect_timeout`, 5 s is added so that a scrape cannot hang on a dead PgBouncer.
    ///   - log: receives one line per start of a failure streak and per recovery.
    public init(conninfo: String, log: @escaping @Sendable (String) -> Void) {
        self.conninfo = conninfo.contains("connect_timeout") ? conninfo : conninfo + " connect_timeout=5"
        self.log = log
    }

    /// Runs the admin queries and returns the metrics text. After a failure the text is only
    /// `pgbouncer_up 0`.
    public func scrape() -> String {
        connection.withLock { current in
            do throws(PostgresError) {
                if current == nil || current?.isOK == false {
                    current = try PostgresConnection(conninfo: conninfo)
                }
                let results = try PgBouncerMetrics.query(current!)
                let previous = failures.withLock { count in
                    defer { count = 0 }
                    return count
                }
                if previous > 0 { log("scrape of PgBouncer succeeded again after \(previous) failed scrapes") }
                return PgBouncerMetrics.render(results)
            } catch {
                current = nil
                let count = failures.withLock { count in
                    count += 1
                    return count
                }
                if count % 60 == 1 { log("scrape of PgBouncer failed (\(count) in a row): \(error)") }
                return PgBouncerMetrics.render(nil)
            }
        }
    }
}
