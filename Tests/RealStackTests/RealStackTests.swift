import Foundation
import HTTPServer
import PostgresClient
import Synchronization
import Testing

@testable import RealStack

/// The launchers and clients against the real Debian packages on 127.0.0.1. One test at a
/// time, because each starts servers that load the shared two cores.
@Suite(.serialized) struct RealStackTests {
    /// A relative `directory` must work as the absolute one it names. `make demo-real` passes
    /// the relative `proving-ground-report/runs/...` as `--out` by default, and the run hands
    /// `<out>/postgres` to this launcher. The relative path built here climbs from the working
    /// directory to `/` and down to the scratch directory, so both name the same place.
    @Test func postgresStartsFromRelativeDirectory() throws {
        let scratch = try ScratchDirectory("relative")
        defer { scratch.remove() }
        let workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .resolvingSymlinksInPath().path
        let depth = workingDirectory.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + String(scratch.sub("pg").dropFirst())
        #expect(URL(fileURLWithPath: relative).standardizedFileURL.path == scratch.sub("pg"))

        let server = try PostgresServer.start(directory: relative, port: try Loopback.freePort(), maxConnections: 8)
        defer { server.process.terminate(grace: .seconds(5)) }
        let superuser = try PostgresConnection(conninfo: server.superuserConninfo)
        #expect(try superuser.query("SELECT 1").rows == [["1"]])
        // The cluster lies in the directory given, not in a copy of the relative path below it.
        #expect(FileManager.default.fileExists(atPath: scratch.sub("pg") + "/data/PG_VERSION"))
    }

    /// max_connections 8 with 3 reserved leaves 5 slots for ordinary roles: five sessions
    /// connect, the sixth is refused with SQLSTATE 53300, a superuser still connects, and the
    /// exporter (a superuser too) reports the setting and the sessions held.
    @Test func postgresRefusesSixthClient() throws {
        let scratch = try ScratchDirectory("postgres")
        defer { scratch.remove() }
        let port = try Loopback.freePort()
        let server = try PostgresServer.start(
            directory: scratch.sub("pg"),
            port: port,
            maxConnections: 8,
            superuserReservedConnections: 3
        )
        var processes = [server.process]
        defer {
            for process in processes { process.terminate(grace: .seconds(5)) }
        }
        try server.createRole(name: "app")
        try server.createDatabase(name: "app", owner: "app")

        let appInfo = server.conninfo(user: "app", database: "app", applicationName: "holder")
        var held: [PostgresConnection] = []
        for _ in 0..<5 {
            held.append(try PostgresConnection(conninfo: appInfo))
        }
        var refusal: PostgresError?
        do {
            _ = try PostgresConnection(conninfo: appInfo)
        } catch {
            refusal = error
        }
        #expect(refusal?.sqlState == "53300", "sixth connection: \(String(describing: refusal))")
        let superuser = try PostgresConnection(conninfo: server.superuserConninfo)
        #expect(try superuser.query("SELECT 1").rows == [["1"]])
        // The log up to here. The exporter started below may itself be refused when its
        // connection pool grows past the last free slot, so later lines are not counted.
        let logAtRefusal = server.log()

        // Connections held now: 5 as app on database app, 1 superuser on postgres.
        let exporterPort = try Loopback.freePort()
        let exporter = try PostgresExporter.start(
            directory: scratch.sub("exporter"),
            port: exporterPort,
            dataSourceName: "postgresql://postgres@127.0.0.1:\(port)/postgres?sslmode=disable"
        )
        processes.append(exporter.process)
        let metrics = try exporter.scrape()
        // The exporter's Go connection pool keeps one or two sessions open. They are counted
        // here independently of its metrics, without the superuser session that runs the query.
        let exporterSessions =
            try superuser.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'postgres' AND backend_type = 'client backend' "
                    + "AND pid <> pg_backend_pid()"
            ).rows[0][0].flatMap { Int($0) } ?? -1
        #expect((1...2).contains(exporterSessions))
        #expect(PrometheusText.value(of: "pg_settings_max_connections", in: metrics) == 8)
        #expect(PrometheusText.value(of: "pg_settings_superuser_reserved_connections", in: metrics) == 3)
        let activity = PrometheusText.samples(named: "pg_stat_activity_count", in: metrics)
        let onApp = activity.filter { $0.labels["datname"] == "app" }.reduce(0) { $0 + $1.value }
        let onPostgres = activity.filter { $0.labels["datname"] == "postgres" }.reduce(0) { $0 + $1.value }
        #expect(onApp == 5, "the five sessions held as app")
        // The superuser session held here plus the exporter's own sessions.
        #expect(onPostgres == Double(1 + exporterSessions))
        #expect(activity.reduce(0) { $0 + $1.value } == Double(5 + 1 + exporterSessions))

        held.removeAll()
        exporter.stop()
        server.stop()

        // The log, read as written by the real server.
        let entries = PostgresLog.parse(logAtRefusal)
        let refusedPIDs = Set(entries.filter { $0.kind == .tooManyClients }.map(\.pid))
        let authorized = entries.filter {
            $0.kind == .connectionAuthorized(user: "app", database: "app", applicationName: "holder")
        }
        #expect(refusedPIDs.count == 1)
        // PostgreSQL 15 checks the reserved slots after authentication, so the refused sixth
        // session also logs "connection authorized" before its FATAL; five kept sessions remain.
        #expect(authorized.filter { !refusedPIDs.contains($0.pid) }.count == 5)
        #expect(authorized.count == 5 + refusedPIDs.intersection(authorized.map(\.pid)).count)
        let refusalEntry = try #require(entries.first { $0.kind == .tooManyClients })
        #expect(refusalEntry.severity == "FATAL")
        // %a reads "[unknown]" until the session has applied its startup parameters, which
        // happens after the reserved-slot check; the session's own "authorized" line names it.
        #expect(refusalEntry.applicationName == "[unknown]")
        #expect(authorized.contains { $0.pid == refusalEntry.pid })
        // At least: the readiness probe, createRole, createDatabase, 5 held, the refused one
        // and the superuser. Probes during startup may add more.
        #expect(entries.filter { $0.kind == .connectionReceived }.count >= 10)
        // Timestamps come from the server's clock and fall within this test's run.
        #expect(abs(refusalEntry.timestamp.timeIntervalSinceNow) < 120)

        expectAllGone(processes)
    }

    /// Twenty clients each run pg_sleep(0.5) through PgBouncer with default_pool_size 2: clients
    /// wait in PgBouncer, at most two server connections reach PostgreSQL, and the whole batch
    /// takes at least 20 × 0.5 s / 2 = 5 s.
    @Test func pgbouncerQueuesClientsBeyondPool() throws {
        let scratch = try ScratchDirectory("pgbouncer")
        defer { scratch.remove() }
        let postgresPort = try Loopback.freePort()
        let postgres = try PostgresServer.start(directory: scratch.sub("pg"), port: postgresPort, maxConnections: 30)
        var processes = [postgres.process]
        defer {
            for process in processes { process.terminate(grace: .seconds(5)) }
        }
        try postgres.createRole(name: "app")
        try postgres.createDatabase(name: "app", owner: "app")

        let bouncer = try PgBouncerServer.start(
            directory: scratch.sub("pgbouncer"),
            port: try Loopback.freePort(),
            postgresPort: postgresPort,
            database: "app",
            user: "app",
            poolMode: "transaction",
            maxClientConnections: 50,
            defaultPoolSize: 2
        )
        processes.append(bouncer.process)

        let exporterPort = try Loopback.freePort()
        let exporter = try StackProcess(
            argv: [
                try builtProduct("headroom-pgbouncer-exporter"), "--listen", "127.0.0.1:\(exporterPort)",
                "--pgbouncer", bouncer.adminConninfo,
            ],
            stdoutPath: scratch.sub("exporter.stdout"),
            stderrPath: scratch.sub("exporter.stderr")
        )
        processes.append(exporter)
        let exporterReady = Loopback.poll(timeout: .seconds(10)) {
            let (status, body) = try Loopback.get(port: exporterPort, path: "/metrics")
            return status == 200 && PrometheusText.value(of: "pgbouncer_up", in: body) == 1
        }
        try #require(exporterReady, "exporter: \(exporter.stderrTail())")

        let done = Atomic(0)
        let start = ContinuousClock.now
        let clientInfo = bouncer.conninfo(user: "app", database: "app")
        let observer = try PostgresConnection(conninfo: postgres.superuserConninfo)
        var maxWaiting = 0.0
        var maxServerActive = 0.0
        var maxBackends = 0
        let results = Mutex<[Result<Void, PostgresError>?]>([])
        let clients = Thread {
            let outcome = runConcurrently(20) { _ -> Result<Void, PostgresError> in
                defer { done.add(1, ordering: .sequentiallyConsistent) }
                do throws(PostgresError) {
                    let connection = try PostgresConnection(conninfo: clientInfo)
                    try connection.query("SELECT pg_sleep(0.5)")
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            results.withLock { $0 = outcome }
        }
        clients.start()
        let deadline = ContinuousClock.now + .seconds(30)
        while done.load(ordering: .sequentiallyConsistent) < 20 && ContinuousClock.now < deadline {
            let body = try Loopback.get(port: exporterPort, path: "/metrics").body
            let labels = ["database": "app", "user": "app"]
            maxWaiting = max(
                maxWaiting,
                PrometheusText.value(of: "pgbouncer_pools_client_waiting_connections", labels: labels, in: body) ?? 0
            )
            maxServerActive = max(
                maxServerActive,
                PrometheusText.value(of: "pgbouncer_pools_server_active_connections", labels: labels, in: body) ?? 0
            )
            let backends = try observer.query(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND backend_type = 'client backend'"
            )
            maxBackends = max(maxBackends, Int(backends.rows[0][0] ?? "0") ?? 0)
            usleep(100_000)
        }
        let elapsed = ContinuousClock.now - start
        #expect(done.load(ordering: .sequentiallyConsistent) == 20)
        _ = Loopback.poll(timeout: .seconds(5)) { results.withLock { $0.count == 20 } }
        let outcomes = results.withLock { $0 }
        let failures = outcomes.compactMap { outcome -> String? in
            if case .failure(let error) = outcome { return error.description }
            return outcome == nil ? "did not finish" : nil
        }
        #expect(outcomes.count == 20)
        #expect(failures.isEmpty, "client failures: \(failures)")
        #expect(maxWaiting > 0, "no scrape saw a waiting client")
        #expect(maxServerActive <= 2)
        #expect(maxServerActive >= 1)
        #expect(maxBackends <= 2, "PostgreSQL saw \(maxBackends) app sessions")
        #expect(maxBackends >= 1)
        #expect(elapsed >= .milliseconds(4900), "20 × 0.5 s over 2 server connections took only \(elapsed)")

        // With PgBouncer stopped, the next scrape serves pgbouncer_up 0 and no stale pool gauge.
        bouncer.stop()
        let down = try Loopback.get(port: exporterPort, path: "/metrics").body
        #expect(PrometheusText.value(of: "pgbouncer_up", in: down) == 0)
        #expect(PrometheusText.samples(named: "pgbouncer_pools_client_waiting_connections", in: down).isEmpty)

        exporter.terminate()
        #expect(exporter.exitCode == 0, "exporter log: \(exporter.stderrTail())")
        postgres.stop()
        expectAllGone(processes)
    }

    /// Prometheus starts, returns 200 on /-/ready, and scrapes itself as its one static target.
    @Test func prometheusScrapesStaticTarget() throws {
        let scratch = try ScratchDirectory("prometheus")
        defer { scratch.remove() }
        let port = try Loopback.freePort()
        let config = """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: self
                static_configs:
                  - targets: ["127.0.0.1:\(port)"]

            """
        let prometheus = try PrometheusServer.start(
            directory: scratch.sub("prometheus"),
            port: port,
            configYAML: config
        )
        defer { prometheus.stop() }
        #expect(try Loopback.get(port: port, path: "/-/ready").status == 200)
        let scraped = Loopback.poll(timeout: .seconds(15)) {
            let body = try Loopback.get(port: port, path: "/api/v1/query?query=up%7Bjob%3D%22self%22%7D").body
            return body.contains("\"value\":[") && body.contains("\"1\"]")
        }
        #expect(scraped, "up{job=\"self\"} never became 1")
        prometheus.stop()
        expectAllGone([prometheus.process])
    }
}
