import CLibPQ
import Foundation

/// Error from libpq, with the server's or libpq's own message.
public struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    /// SQLSTATE code when the server sent one, such as `53300` (`too_many_connections`).
    public var sqlState: String?
    public var message: String

    public init(sqlState: String?, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String {
        if let sqlState { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }
}

/// Rows of one result, with every value as text (libpq's text format) and `nil` for SQL NULL.
public struct PostgresResult: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String?]]
    /// Command tag, such as `INSERT 0 1` or `SHOW`.
    public var commandTag: String

    /// Returns the value of `column` in `row`, or `nil` when the row or column is absent or the
    /// value is NULL.
    public func value(_ column: String, row: Int) -> String? {
        guard row < rows.count, let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }
}

/// One blocking libpq connection. It is not thread-safe, so one thread uses it at a time (a pool
/// hands it out), which is libpq's own rule for a `PGconn`.
public final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer

    /// Connects with a libpq connection string, such as
    /// `host=127.0.0.1 port=5432 dbname=directus user=directus application_name=pod-1`.
    /// `connect_timeout` in the string bounds the wait.
    public init(conninfo: String) throws(PostgresError) {
        guard let handle = PQconnectdb(conninfo) else {
            throw PostgresError(sqlState: nil, message: "libpq failed to allocate a connection (out of memory)")
        }
        if PQstatus(handle) != CONNECTION_OK {
            let message = Self.text(PQerrorMessage(handle))
            PQfinish(handle)
            throw PostgresError(sqlState: Self.sqlState(fromConnectionMessage: message), message: message)
        }
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    /// Flag that is true while the connection is usable. A pool should drop a broken connection.
    public var isOK: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Server's process ID for this connection.
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Runs one statement with `$1`-style parameters (the extended protocol).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        // The C strings must stay alive for the call, so each parameter is copied with strdup and
        // freed afterwards.
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { value in value.flatMap { strdup($0) } }
        defer { for copy in copies { free(copy) } }

        let result: OpaquePointer?
        if copies.isEmpty {
            result = PQexecParams(handle, sql, 0, nil, nil, nil, nil, 0)
        } else {
            result = copies.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: copies.count) {
                    PQexecParams(handle, sql, Int32(copies.count), nil, $0, nil, nil, 0)
                }
            }
        }
        return try consume(result)
    }

    /// Runs `sql` with the simple query protocol, which PgBouncer's admin console requires.
    /// When `sql` contains several statements, returns the last one's result.
    @discardableResult
    public func simpleQuery(_ sql: String) throws(PostgresError) -> PostgresResult {
        try consume(PQexec(handle, sql))
    }

    /// Converts a libpq result into rows and frees it. Throws the server's error, with its
    /// SQLSTATE, when the statement failed.
    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> PostgresResult {
        guard let result else {
            throw PostgresError(sqlState: nil, message: Self.text(PQerrorMessage(handle)))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C")))
            let message = Self.text(PQresultErrorMessage(result))
            throw PostgresError(
                sqlState: state.map { String(cString: $0) },
                message: message.isEmpty ? Self.text(PQerrorMessage(handle)) : message
            )
        }

        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount { columns.append(String(cString: PQfname(result, Int32(column)))) }

        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) != 0 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(values)
        }
        return PostgresResult(columns: columns, rows: rows, commandTag: String(cString: PQcmdStatus(result)))
    }

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Maps a failed connection's message to a SQLSTATE. libpq gives no SQLSTATE for a failed
    /// connection, so PostgreSQL's refusal for lack of slots is matched by its fixed message, and
    /// callers can count refusals.
    static func sqlState(fromConnectionMessage message: String) -> String? {
        if message.contains("too many clients already") || message.contains("remaining connection slots are reserved") {
            return "53300"
        }
        return nil
    }
}
