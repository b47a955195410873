import Foundation
import PostgresClient

/// The reason `ConnectionPool.acquire()` returned no connection.
public enum PoolError: Error, CustomStringConvertible, Equatable {
    /// Every connection stayed busy for the whole acquire timeout.
    case acquireTimedOut(seconds: Double)
    /// Opening a new connection failed, such as PostgreSQL rejecting it with "too many clients".
    case connectFailed(PostgresError)
    /// The pool was closed for shutdown.
    case closed

    public var description: String {
        switch self {
        case .acquireTimedOut(let seconds):
            "timed out after \(seconds) s waiting for a database connection; raise DB_POOL__MAX or lower the load"
        case .connectFailed(let error):
            "database connection failed: \(error)"
        case .closed:
            "the database pool is closed because the server is shutting down"
        }
    }
}

/// Counts of the pool's connections at one moment.
public struct PoolSnapshot: Sendable, Equatable {
    /// Connections handed out to requests.
    public var active: Int
    /// Open connections waiting in the pool.
    public var idle: Int
    /// Requests waiting for a connection.
    public var waiting: Int
    /// Connects in progress, which count toward the maximum.
    public var opening: Int
}

/// A blocking pool of PostgreSQL connections, for request handlers that run on their own
/// threads. It opens connections lazily up to `maximumConnections`. A request that finds
/// none free waits up to the acquire timeout. A failed connect fails only the request that
/// tried it, so later requests retry at their own pace and nothing reconnects in a loop.
public final class ConnectionPool: @unchecked Sendable {
    public typealias Connector = @Sendable () throws(PostgresError) -> PostgresConnection

    public let maximumConnections: Int
    public let acquireTimeoutSeconds: Double
    private let connect: Connector
    /// Called after each failed connect, outside the lock.
    private let onConnectFailure: @Sendable (PostgresError) -> Void

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var active = 0
    private var opening = 0
    private var waiting = 0
    private var isClosed = false
    private var lastConnectFailed = false

    public init(
        maximumConnections: Int,
        acquireTimeoutSeconds: Double,
        onConnectFailure: @escaping @Sendable (PostgresError) -> Void = { _ in },
        connect: @escaping Connector
    ) {
        precondition(maximumConnections >= 1, "a pool needs at least one connection")
        self.maximumConnections = maximumConnections
        self.acquireTimeoutSeconds = acquireTimeoutSeconds
        self.onConnectFailure = onConnectFailure
        self.connect = connect
    }

    /// Opens connections until `count` are open (at most the maximum), as Knex's `pool.min`
    /// does at start, and leaves them idle. Throws the first failure.
    public func fill(to count: Int) throws(PoolError) {
        var held: [PostgresConnection] = []
        defer { for connection in held { release(connection) } }
        // Holding each one forces the next acquire to open a new connection.
        while held.count < min(count, maximumConnections) {
            held.append(try acquire())
        }
    }

    /// Returns a free connection, opening one when fewer than the maximum are open, or waits
    /// for one up to the acquire timeout. Pass the connection back with `release(_:)`.
    public func acquire(timeoutSeconds: Double? = nil) throws(PoolError) -> PostgresConnection {
        let timeout = timeoutSeconds ?? acquireTimeoutSeconds
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        while true {
            if isClosed {
                condition.unlock()
                throw .closed
            }
            if let connection = idle.popLast() {
                active += 1
                condition.unlock()
                return connection
            }
            if idle.count + active + opening < maximumConnections {
                opening += 1
                condition.unlock()
                let result = Result { () throws(PoolError) in try openConnection() }
                condition.lock()
                opening -= 1
                switch result {
                case .success(let connection):
                    active += 1
                    condition.unlock()
                    return connection
                case .failure(let error):
                    // The freed slot may let a waiting request try its own connect.
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            if Date() >= deadline {
                condition.unlock()
                throw .acquireTimedOut(seconds: timeout)
            }
            waiting += 1
            _ = condition.wait(until: deadline)
            waiting -= 1
        }
    }

    /// Returns a connection to the pool. A broken connection, or any connection once the pool
    /// is closed, is closed (`PQfinish`) instead, and its slot frees up for a new connect.
    public func release(_ connection: PostgresConnection) {
        // A connection not kept loses its last reference in the caller, whose deinit runs
        // PQfinish outside this lock.
        withLock {
            active -= 1
            if !isClosed && connection.isOK {
                idle.append(connection)
            }
            condition.signal()
        }
    }

    /// Closes every idle connection and makes later acquires fail with `.closed`. Connections
    /// in use close when released.
    public func close() {
        var closing = withLock {
            isClosed = true
            let all = idle
            idle = []
            condition.broadcast()
            return all
        }
        // Dropping the last references runs PQfinish, so PostgreSQL logs each disconnection.
        closing.removeAll()
    }

    public func snapshot() -> PoolSnapshot {
        withLock { PoolSnapshot(active: active, idle: idle.count, waiting: waiting, opening: opening) }
    }

    /// Whether the most recent connect failed and no connection is open, so no request can be
    /// served until a connect succeeds.
    public var isDisconnected: Bool {
        withLock { lastConnectFailed && idle.isEmpty && active == 0 }
    }

    private func openConnection() throws(PoolError) -> PostgresConnection {
        do {
            let connection = try connect()
            withLock { lastConnectFailed = false }
            return connection
        } catch {
            withLock { lastConnectFailed = true }
            onConnectFailure(error)
            throw .connectFailed(error)
        }
    }

    private func withLock<Value>(_ body: () -> Value) -> Value {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
