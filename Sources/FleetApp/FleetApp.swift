import Foundation
import HTTPServer
import Observability
import PostgresClient
import Synchronization

/// A Directus-like item API whose capacity comes from its concurrency limit and database
/// time, not from CPU. Handlers run synchronously on libmicrohttpd's connection threads and
/// block on the pool and on PostgreSQL.
public final class FleetApp: Sendable {
    /// The app's life-cycle phase: not ready yet, serving, or draining after SIGTERM.
    enum Phase: Sendable {
        case starting
        case ready(since: ContinuousClock.Instant)
        case stopping
    }

    public let configuration: FleetAppConfiguration
    public let metrics: FleetMetrics
    public let pool: ConnectionPool
    let logger: Logger
    let coldPeriod: ColdPeriod
    private let phase = Mutex<Phase>(.starting)
    private let inProgress = Mutex(0)

    public init(configuration: FleetAppConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let metrics = FleetMetrics()
        self.metrics = metrics
        coldPeriod = ColdPeriod(seconds: configuration.coldSeconds, extraSeconds: configuration.coldExtraSeconds)

        let conninfo = configuration.conninfo
        let applicationName = configuration.applicationName
        pool = ConnectionPool(
            maximumConnections: configuration.poolMaximum,
            acquireTimeoutSeconds: configuration.acquireTimeoutSeconds,
            onConnectFailure: { error in
                metrics.connectionErrors.add(1)
                logger.error(
                    "database connect failed",
                    ["error": .string(error.description), "sqlstate": .string(error.sqlState ?? "")]
                )
            },
            connect: { () throws(PostgresError) in
                let connection = try PostgresConnection(conninfo: conninfo)
                logger.debug(
                    "database connection opened",
                    ["backend_pid": .int(Int(connection.backendPID)), "application_name": .string(applicationName)]
                )
                return connection
            }
        )

        metrics.poolMaximum.set(Double(configuration.poolMaximum))
        metrics.concurrencyLimit.set(Double(configuration.concurrencyLimit))
        metrics.ready.set(0)
        let pool = pool
        metrics.registry.onRender {
            metrics.update(pool: pool.snapshot())
            metrics.process.update()
        }
    }

    /// Item requests holding a concurrency slot now.
    public var requestsInProgress: Int { inProgress.withLock { $0 } }

    public var isReady: Bool {
        phase.withLock { if case .ready = $0 { true } else { false } }
    }

    /// Marks the app ready, which starts the cold period.
    public func markReady(at now: ContinuousClock.Instant = .now) {
        let becameReady = phase.withLock { current -> Bool in
            guard case .starting = current else { return false }
            current = .ready(since: now)
            return true
        }
        if becameReady {
            metrics.ready.set(1)
            logger.info("ready", ["cold_seconds": .double(coldPeriod.seconds)])
        }
    }

    /// Turns health to 503 at once; requests still get served while the caller drains them.
    public func beginShutdown() {
        phase.withLock { $0 = .stopping }
        metrics.ready.set(0)
    }

    /// Waits until no item request is in progress, up to `timeoutSeconds`. Returns whether all
    /// finished.
    public func waitForRequestsToFinish(timeoutSeconds: Double) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
        while requestsInProgress > 0 {
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// Routes one request. Runs on the connection's own thread and may block.
    public func handle(_ request: ServerRequest) -> ServerResponse {
        let path = request.path
        switch (request.method, path) {
        case ("GET", "/server/ping"):
            return .text(200, "pong")
        case ("GET", "/server/health"):
            return health()
        case ("GET", "/metrics"):
            return ServerResponse(
                status: 200,
                headers: [("Content-Type", MetricsRegistry.contentType), ("Cache-Control", "no-cache")],
                body: Data(metrics.registry.render().utf8)
            )
        case ("POST", "/items/articles"):
            return timed(method: "POST", route: "/items/articles") { createArticle(request) }
        case ("GET", _) where path.hasPrefix("/items/articles/"):
            let idText = String(path.dropFirst("/items/articles/".count))
            return timed(method: "GET", route: "/items/articles/:id") { readArticle(idText: idText) }
        default:
            return Self.errorResponse(404, "route \(request.method) \(path) not found")
        }
    }

    private func health() -> ServerResponse {
        let status: Int
        if !isReady {
            status = 503
        } else if pool.isDisconnected {
            // With no connection open, a connect shows whether any request could be served.
            // NOTE: a failed probe counts in fleet_app_db_connection_errors_total like a request's.
            status = probeDatabase() ? 200 : 503
        } else {
            status = 200
        }
        let body = status == 200 ? #"{"status":"ok"}"# : #"{"status":"error"}"#
        return ServerResponse(
            status: status,
            headers: [("Content-Type", "application/health+json"), ("Cache-Control", "no-cache")],
            body: Data(body.utf8)
        )
    }

    private func probeDatabase() -> Bool {
        guard let connection = try? pool.acquire(timeoutSeconds: 1) else { return false }
        pool.release(connection)
        return true
    }

    /// Times an item request and counts it by method, route and status.
    private func timed(method: String, route: String, _ body: () -> ServerResponse) -> ServerResponse {
        let start = ContinuousClock.now
        let response = body()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        metrics.recordRequest(method: method, route: route, status: response.status, seconds: seconds)
        return response
    }

    private func readArticle(idText: String) -> ServerResponse {
        guard let id = Int32(idText), id > 0 else {
            return Self.errorResponse(400, "invalid article id \"\(idText)\": use a whole number from 1")
        }
        return withSlot { () throws(PoolError) -> ServerResponse in
            try withConnection { connection throws(PostgresError) -> ServerResponse in
                guard
                    let article = try ArticleStore.find(
                        id: Int(id),
                        sleepSeconds: configuration.querySeconds,
                        on: connection
                    )
                else {
                    return Self.errorResponse(404, "article \(id) not found")
                }
                return Self.jsonResponse(
                    200,
                    ["data": ["id": article.id, "title": article.title, "body": article.body]]
                )
            }
        }
    }

    private func createArticle(_ request: ServerRequest) -> ServerResponse {
        let fields: (title: String, body: String)
        switch Self.parseArticleBody(request.body) {
        case .success(let parsed): fields = parsed
        case .failure(let message): return Self.errorResponse(400, message.text)
        }
        return withSlot { () throws(PoolError) -> ServerResponse in
            try withConnection { connection throws(PostgresError) -> ServerResponse in
                let id = try ArticleStore.insert(
                    title: fields.title,
                    body: fields.body,
                    sleepSeconds: configuration.querySeconds,
                    on: connection
                )
                return Self.jsonResponse(200, ["data": ["id": id]])
            }
        }
    }

    /// Runs `body` inside a concurrency slot, after the cold-period sleep; 503 at once when
    /// every slot is taken, or when no pool connection could be had.
    private func withSlot(_ body: () throws(PoolError) -> ServerResponse) -> ServerResponse {
        let limit = configuration.concurrencyLimit
        let entered = inProgress.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard entered else {
            return Self.errorResponse(503, "server busy: \(limit) requests already in progress (FLEET_APP_CONCURRENCY)")
        }
        metrics.inProgress.add(1)
        defer {
            inProgress.withLock { $0 -= 1 }
            metrics.inProgress.add(-1)
        }

        let delay = coldDelay()
        if delay > 0 { usleep(UInt32(delay * 1_000_000)) }

        do {
            return try body()
        } catch {
            if case .acquireTimedOut = error { metrics.acquireTimeouts.add(1) }
            return Self.errorResponse(503, error.description)
        }
    }

    private func coldDelay() -> Double {
        let readySince = phase.withLock { current -> ContinuousClock.Instant? in
            if case .ready(let since) = current { return since }
            return nil
        }
        guard let readySince else { return 0 }
        let elapsed = ContinuousClock.now - readySince
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return coldPeriod.extraDelay(elapsed: seconds)
    }

    /// Runs `body` with a pool connection. A database error returns 503 when the connection
    /// broke (it is dropped and replaced by a later acquire), else 500.
    private func withConnection(
        _ body: (PostgresConnection) throws(PostgresError) -> ServerResponse
    ) throws(PoolError) -> ServerResponse {
        let connection = try pool.acquire()
        defer { pool.release(connection) }
        do {
            return try body(connection)
        } catch {
            let broken = !connection.isOK
            logger.error(
                "database query failed",
                ["error": .string(error.description), "connection_broken": .bool(broken)]
            )
            return Self.errorResponse(broken ? 503 : 500, "database query failed: \(error.message)")
        }
    }
}
