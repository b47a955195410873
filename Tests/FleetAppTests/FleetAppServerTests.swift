import Foundation
import PostgresClient
import TestSupport
import Testing

/// The `fleet-app` executable against a real PostgreSQL. One test at a time, because each one
/// measures time and connections on a shared two-core machine.
@Suite(.serialized, .postgresServer)
struct FleetAppServerTests {
    /// Rows the suite seeds, so ids 1 through `seededItems` exist.
    static let seededItems = 100

    let postgres: TestPostgres

    init() throws {
        postgres = try #require(PostgresServerTrait.current)
        // Seeding is idempotent: later tests find the table already filled.
        let seed = try runCommand(
            try FleetAppProcess.executable(),
            ["seed"],
            environment: ["DB_PORT": String(postgres.port), "FLEET_APP_SEED_ITEMS": String(Self.seededItems)],
            timeout: .seconds(30)
        )
        try #require(seed.status == 0, "fleet-app seed failed: \(seed.stderr)")
    }

    @Test func seedFillsArticlesOnce() throws {
        // init() seeded 100 rows; ids 1...100 come from the serial column of a new table.
        let seeded = try postgres.superuserQuery(
            "SELECT count(*) AS n FROM articles WHERE id <= \(Self.seededItems)",
            database: "directus"
        )
        #expect(seeded.value("n", row: 0) == String(Self.seededItems))
    }

    /// With 2 connections and 6 requests of 0.3 s each, the requests run in 3 waves of 2, so
    /// the batch takes at least 3 × 0.3 = 0.9 s and PostgreSQL never lists a third connection.
    @Test func poolNeverExceedsMaximum() async throws {
        let app = try FleetAppProcess(
            postgres: postgres,
            settings: ["DB_POOL__MIN": "2", "DB_POOL__MAX": "2", "FLEET_APP_QUERY_SECONDS": "0.3"]
        )
        #expect(try await app.waitForHealth(200, timeoutSeconds: 10))

        let start = ContinuousClock.now
        let (statuses, maxSeen) = try await withThrowingTaskGroup(of: Int.self) { group in
            for id in 1...6 {
                group.addTask { try await app.get("/items/articles/\(id)").status }
            }
            var observed = 0
            // Samples pg_stat_activity while the requests run; bounded to 100 samples.
            for _ in 0..<100 {
                observed = max(observed, try postgres.connectionCount(applicationName: app.applicationName))
                if seconds(since: start) > 1.5 { break }
                try await Task.sleep(for: .milliseconds(30))
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return (statuses, observed)
        }
        let elapsed = seconds(since: start)

        #expect(statuses == Array(repeating: 200, count: 6))
        #expect(maxSeen == 2)
        #expect(elapsed >= 0.9)
    }

    /// One connection and 1 s queries: the first request keeps it for 1 s, so both others
    /// wait the 200 ms acquire timeout and get 503, and the timeout counter reads 2.
    @Test func acquireTimeoutAnswers503() async throws {
        let app = try FleetAppProcess(
            postgres: postgres,
            settings: [
                "DB_POOL__MIN": "1", "DB_POOL__MAX": "1", "DB_POOL__ACQUIRE_TIMEOUT_MILLIS": "200",
                "FLEET_APP_QUERY_SECONDS": "1",
            ]
        )
        #expect(try await app.waitForHealth(200, timeoutSeconds: 10))

        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for id in 1...3 {
                group.addTask { try await app.get("/items/articles/\(id)").status }
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses.sorted()
        }
        let metrics = try await app.metrics()

        #expect(statuses == [200, 503, 503])
        #expect(metrics["fleet_app_db_pool_acquire_timeouts_total"] == 2)
    }

    /// A limit of 2 with 1 s queries: the third concurrent request finds both slots taken and
    /// gets 503 at once, far sooner than the 1 s the others take.
    @Test func concurrencyLimitRejectsAtOnce() async throws {
        let app = try FleetAppProcess(
            postgres: postgres,
            settings: ["FLEET_APP_CONCURRENCY": "2", "DB_POOL__MAX": "4", "FLEET_APP_QUERY_SECONDS": "1"]
        )
        #expect(try await app.waitForHealth(200, timeoutSeconds: 10))

        let first = Task { try await app.timedGet("/items/articles/1") }
        let second = Task { try await app.timedGet("/items/articles/2") }
        // Both slots are taken once the in-progress gauge reads 2; bounded to 5 s.
        let deadline = ContinuousClock.now + .seconds(5)
        while try await app.metrics()["fleet_app_requests_in_progress"] != 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let third = try await app.timedGet("/items/articles/3")
        let results = [try await first.value, try await second.value]

        #expect(third.status == 503)
        #expect(third.seconds < 0.5)
        #expect(results.map(\.status) == [200, 200])
    }

    /// A 2 s startup delay: the 2 minimum connections open first while health reads 503, and
    /// health reads 200 only after the delay.
    @Test func startupDelayHoldsReadiness() async throws {
        let start = ContinuousClock.now
        let app = try FleetAppProcess(
            postgres: postgres,
            settings: ["DB_POOL__MIN": "2", "FLEET_APP_STARTUP_DELAY_SECONDS": "2"]
        )
        var connections = 0
        // Bounded to 150 polls of 10 ms.
        for _ in 0..<150 where connections < 2 {
            connections = try postgres.connectionCount(applicationName: app.applicationName)
            try await Task.sleep(for: .milliseconds(10))
        }
        let healthDuringDelay = try await app.get("/server/health")
        let readyAfterDelay = try await app.waitForHealth(200, timeoutSeconds: 6)
        let elapsed = seconds(since: start)

        #expect(connections == 2)
        #expect(healthDuringDelay.status == 503)
        #expect(String(decoding: healthDuringDelay.body, as: UTF8.self) == #"{"status":"error"}"#)
        #expect(healthDuringDelay.header("Content-Type") == "application/health+json")
        #expect(readyAfterDelay)
        #expect(elapsed >= 2)
    }

    /// Cold period 3 s with 0.6 s extra. The first request starts within about 0.2 s of ready
    /// (health polled every 20 ms), so it sleeps at least 0.6 × (1 − 0.2 / 3) = 0.56 s before
    /// its 0.05 s query: at least 0.55 s with a little rounding room. After the period the
    /// same request takes its query time, under 0.4 s even on a busy machine.
    @Test func coldPeriodSlowsEarlyRequests() async throws {
        let app = try FleetAppProcess(
            postgres: postgres,
            settings: ["FLEET_APP_COLD_SECONDS": "3", "FLEET_APP_COLD_EXTRA_SECONDS": "0.6"]
        )
        #expect(try await app.waitForHealth(200, timeoutSeconds: 10))
        let readyAt = ContinuousClock.now

        let cold = try await app.timedGet("/items/articles/1")
        try await Task.sleep(until: readyAt + .seconds(3.2))
        let warm = try await app.timedGet("/items/articles/1")

        #expect(cold.status == 200)
        #expect(cold.seconds >= 0.55)
        #expect(cold.seconds < 1.5)
        #expect(warm.status == 200)
        #expect(warm.seconds >= 0.05)
        #expect(warm.seconds < 0.4)
    }

    /// The test fills PostgreSQL's free slots itself, so the app's next connect is rejected
    /// with "too many clients": 503 for that request, the error counted, and a later request
    /// served once the slots free up.
    @Test func tooManyClientsAnswers503() async throws {
        let app = try FleetAppProcess(
            postgres: postgres,
            settings: ["DB_POOL__MIN": "0", "DB_POOL__MAX": "2", "DB_POOL__ACQUIRE_TIMEOUT_MILLIS": "2000"]
        )
        #expect(try await app.waitForHealth(200, timeoutSeconds: 10))

        var held: [PostgresConnection] = []
        var rejection: PostgresError?
        // At most max_connections connections fit, so this loop ends by then.
        for _ in 0...TestPostgres.maxConnections {
            do {
                held.append(
                    try PostgresConnection(conninfo: postgres.conninfo(user: "directus", database: "directus"))
                )
            } catch {
                rejection = error
                break
            }
        }
        let refused = try await app.get("/items/articles/1")
        let refusedMetrics = try await app.metrics()
        held.removeAll()
        // PostgreSQL frees a slot when the backend exits, a moment after the client closes.
        var recovered = 0
        for _ in 0..<50 where recovered != 200 {
            recovered = try await app.get("/items/articles/1").status
            try await Task.sleep(for: .milliseconds(50))
        }

        #expect(rejection?.sqlState == "53300")
        #expect(refused.status == 503)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("too many clients"))
        #expect((refusedMetrics["fleet_app_db_connection_errors_total"] ?? 0) >= 1)
        #expect(postgres.log().contains("too many clients already"))
        #expect(recovered == 200)
    }

    /// PostgreSQL ends both idle connections of the pool. Each broken connection fails at most
    /// one request with 503 before the pool drops it, so within 3 requests one gets 200 on a
    /// new connection.
    @Test func brokenConnectionIsReplaced() async throws {
        let app = try FleetAppProcess(postgres: postgres, settings: ["DB_POOL__MIN": "2"])
        #expect(try await app.waitForHealth(200, timeoutSeconds: 10))

        let ended = try postgres.superuserQuery(
            "SELECT count(*) AS n FROM pg_stat_activity, pg_terminate_backend(pid) WHERE application_name = $1",
            [app.applicationName]
        )
        var statuses: [Int] = []
        for _ in 0..<3 where statuses.last != 200 {
            statuses.append(try await app.get("/items/articles/1").status)
        }

        #expect(ended.value("n", row: 0) == "2")
        #expect(statuses.last == 200)
        #expect(statuses.dropLast().allSatisfy { $0 == 503 })
    }

    /// 5 found, 2 missing and 1 invalid GET plus 3 POSTs: the counts per label set are those
    /// numbers, their total is the 11 requests sent, and health and metrics are not counted.
    /// A found GET sleeps 0.05 s in PostgreSQL and then needs a round trip, so none of them
    /// falls in the `le="0.05"` bucket.
    @Test func metricsCountEveryItemRequest() async throws {
        let app = try FleetAppProcess(postgres: postgres)
        #expect(try await app.waitForHealth(200, timeoutSeconds: 10))

        for id in 1...5 { _ = try await app.get("/items/articles/\(id)") }
        for _ in 0..<2 { _ = try await app.get("/items/articles/99999") }
        _ = try await app.get("/items/articles/zero")
        for index in 0..<3 {
            _ = try await app.post("/items/articles", json: #"{"title":"t\#(index)","body":"b"}"#)
        }
        _ = try await app.get("/server/ping")
        let samples = try await app.metrics()

        let item = #"route="/items/articles/:id""#
        let create = #"route="/items/articles""#
        let expected: [String: Double] = [
            #"method="GET",\#(item),status="200""#: 5,
            #"method="GET",\#(item),status="404""#: 2,
            #"method="GET",\#(item),status="400""#: 1,
            #"method="POST",\#(create),status="200""#: 3,
        ]
        for (labels, count) in expected {
            #expect(samples["fleet_app_http_requests_total{\(labels)}"] == count, "\(labels)")
            #expect(samples["fleet_app_http_request_duration_seconds_count{\(labels)}"] == count, "\(labels)")
            #expect(samples["fleet_app_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"}"] == count)
            var previous = 0.0
            for bound in ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"] {
                let value = try #require(
                    samples["fleet_app_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"}"]
                )
                #expect(value >= previous, "bucket le=\(bound) of \(labels) is below the one before")
                previous = value
            }
        }
        let counted = samples.filter { $0.key.hasPrefix("fleet_app_http_requests_total{") }
        #expect(counted.values.reduce(0, +) == 11)
        #expect(counted.count == 4)
        #expect(
            samples[#"fleet_app_http_request_duration_seconds_bucket{method="GET",\#(item),status="200",le="0.05"}"#]
                == 0
        )
        #expect(samples["fleet_app_db_pool_max_connections"] == 10)
        #expect(samples["fleet_app_concurrency_limit"] == 16)
        #expect(samples["fleet_app_ready"] == 1)
        #expect(samples[#"fleet_app_db_pool_connections{state="active"}"#] == 0)
        #expect((samples[#"fleet_app_db_pool_connections{state="idle"}"#] ?? 0) >= 2)
        #expect(samples["fleet_app_db_pool_waiting_requests"] == 0)
        #expect((samples["process_start_time_seconds"] ?? 0) > 1_600_000_000)
    }

    /// SIGTERM during a 1 s request. Health turns 503 within 0.5 s, because the signal handler
    /// runs on its own queue a moment after delivery. The request still completes
    /// with 200, the process exits 0 and PostgreSQL lists none of its connections.
    @Test func sigtermDrainsAndCloses() async throws {
        let app = try FleetAppProcess(postgres: postgres, settings: ["FLEET_APP_QUERY_SECONDS": "1"])
        #expect(try await app.waitForHealth(200, timeoutSeconds: 10))

        let inFlight = Task { try await app.get("/items/articles/1") }
        let deadline = ContinuousClock.now + .seconds(5)
        while try await app.metrics()["fleet_app_requests_in_progress"] != 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(app.child.process.processIdentifier, SIGTERM)
        let signalledAt = ContinuousClock.now
        let unhealthy = try await app.waitForHealth(503, timeoutSeconds: 0.5)
        let unhealthyAfter = seconds(since: signalledAt)
        let response = try await inFlight.value
        let exitDeadline = ContinuousClock.now + .seconds(12)
        while app.child.isRunning, ContinuousClock.now < exitDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Backends exit just after the client's Terminate message; bounded to 2 s.
        var remaining = -1
        for _ in 0..<100 where remaining != 0 {
            remaining = try postgres.connectionCount(applicationName: app.applicationName)
            try await Task.sleep(for: .milliseconds(20))
        }

        #expect(unhealthy)
        #expect(unhealthyAfter < 0.5)
        #expect(response.status == 200)
        #expect(!app.child.isRunning)
        #expect(app.child.process.terminationReason == .exit)
        #expect(app.child.process.terminationStatus == 0)
        #expect(remaining == 0)
    }
}
