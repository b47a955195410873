import FleetTestbed
import Foundation
import HTTPServer
import HTTPTransport
import KubeTestServer
import MetricsClient
import RealStack

/// Settings of one run: the scenario, the policy, and the directories of its programs, traces
/// and output.
public struct RunOptions: Sendable {
    public var scenario: Scenario
    public var policy: PolicyKind
    /// Run directory, which receives the policy, logs, timelines and `result.json`.
    public var output: String
    /// Directory of `headroom`, `fleet-app`, `headroom-load` and `headroom-pgbouncer-exporter`.
    public var binaries: String
    /// Directory that contains `worldcup98-requests-per-minute.csv`.
    public var traces: String?

    public init(scenario: Scenario, policy: PolicyKind, output: String, binaries: String, traces: String?) {
        self.scenario = scenario
        self.policy = policy
        self.output = output
        self.binaries = binaries
        self.traces = traces
    }
}

/// One run of one scenario under one policy, on loopback.
///
/// The run starts PostgreSQL (and PgBouncer when the scenario uses it), the Postgres exporter,
/// HAProxy, the API test server with the fleet of fleet-app processes, Prometheus scraping
/// everything every `scrapeIntervalSeconds` (1 s in every scenario), `headroom run`, and then
/// `headroom-load`. Everything it starts is stopped before `run()` returns or throws.
public final class ProvingGroundRun: @unchecked Sendable {
    let options: RunOptions
    var scenario: Scenario { options.scenario }
    var stack: StackSettings { options.scenario.stack }
    let work: String
    private var cleanups: [(String, () -> Void)] = []
    private var processes: [ProcessRecord] = []

    public init(_ options: RunOptions) throws {
        self.options = options
        work = options.output
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    deinit { stopEverything() }

    /// Runs the scenario, writes `result.json` and returns the recorded result.
    public func run() async throws -> RunResult {
        defer { stopEverything() }
        let startWall = Date()
        let startClock = monotonicSeconds()
        func now() -> Double { monotonicSeconds() - startClock }

        // PostgreSQL, with PgBouncer in front of it when the scenario sets `pgbouncer`.
        log(
            "starting PostgreSQL: max_connections \(stack.maxConnections), reserved \(stack.superuserReservedConnections)"
        )
        let postgres = try PostgresServer.start(
            directory: work + "/postgres",
            port: try FreePort.loopback(),
            maxConnections: stack.maxConnections,
            superuserReservedConnections: stack.superuserReservedConnections,
            settings: [:]
        )
        remember("PostgreSQL") { postgres.stop() }
        try Interruption.shared.check()
        record("postgres", postgres.process)
        try postgres.createRole(name: "directus", superuser: false)
        try postgres.createDatabase(name: "directus", owner: "directus")
        var databasePort = postgres.port
        if stack.pgbouncer {
            let pgbouncer = try PgBouncerServer.start(
                directory: work + "/pgbouncer",
                port: try FreePort.loopback(),
                postgresPort: postgres.port,
                database: "directus",
                user: "directus",
                poolMode: "transaction",
                maxClientConnections: stack.pgbouncerMaxClientConnections,
                defaultPoolSize: stack.pgbouncerPoolSize
            )
            remember("PgBouncer") { pgbouncer.stop() }
            try Interruption.shared.check()
            record("pgbouncer", pgbouncer.process)
            databasePort = pgbouncer.port
        }
        try seedDatabase(port: postgres.port)

        // Exporters and HAProxy.
        let postgresExporterPort = try FreePort.loopback()
        let exporter = try PostgresExporter.start(
            directory: work + "/postgres-exporter",
            port: postgresExporterPort,
            dataSourceName: "postgresql://postgres@127.0.0.1:\(postgres.port)/postgres?sslmode=disable"
        )
        remember("the Postgres exporter") { exporter.stop() }
        try Interruption.shared.check()
        record("prometheus-postgres-exporter", exporter.process)
        var pgbouncerExporterPort: Int?
        if stack.pgbouncer {
            let port = try FreePort.loopback()
            let process = try spawn(
                "headroom-pgbouncer-exporter",
                [
                    "--listen", "127.0.0.1:\(port)", "--pgbouncer",
                    "host=127.0.0.1 port=\(databasePort) dbname=pgbouncer user=postgres",
                ]
            )
            remember("the PgBouncer exporter") { process.terminate(grace: .seconds(5)) }
            try Interruption.shared.check()
            pgbouncerExporterPort = port
        }
        let haproxyPorts = (
            frontend: try FreePort.loopback(), stats: try FreePort.loopback(), runtime: try FreePort.loopback()
        )
        let haproxy = try HAProxyServer.start(
            directory: work + "/haproxy",
            frontendPort: haproxyPorts.frontend,
            statsPort: haproxyPorts.stats,
            runtimePort: haproxyPorts.runtime,
            backend: PolicyText.deployment,
            serverMaxConn: stack.concurrency,
            slowstart: stack.slowstartSeconds,
            queueTimeout: .seconds(stack.queueTimeoutSeconds),
            frontendMaxConn: 4000
        )
        remember("HAProxy") { haproxy.stop() }
        try Interruption.shared.check()
        record("haproxy", haproxy.process)
        let runtime = haproxy.runtime

        // The API test server and the fleet.
        let certificate = try makeCertificate()
        let api = try KubeTestServer(
            .init(
                apiPort: 0,
                adminPort: nil,
                tls: ServerTLS(certificateFile: certificate.certificate, keyFile: certificate.key),
                tokens: ["headroom-token": "headroom", "admin-token": "admin"]
            )
        )
        remember("the API test server") { api.stop() }
        try Interruption.shared.check()
        let fleet = try ProcessFleet(
            store: api.store,
            app: .init(executable: binary("fleet-app"), databasePort: databasePort, stack: stack),
            haproxy: runtime,
            directory: work,
            start: startWall
        )
        remember("the fleet") { fleet.stopAll() }
        try Interruption.shared.check()
        try writeKubeconfig(apiURL: api.apiURL, certificate: certificate.certificate)

        // Prometheus, then Headroom.
        let headroomMetricsPort = try FreePort.loopback()
        let prometheusPort = try FreePort.loopback()
        let prometheus = try PrometheusServer.start(
            directory: work + "/prometheus",
            port: prometheusPort,
            configYAML: prometheusConfig(
                haproxyStats: haproxyPorts.stats,
                postgresExporter: postgresExporterPort,
                pgbouncerExporter: pgbouncerExporterPort,
                headroomMetrics: headroomMetricsPort,
                fileSD: fleet.fileSDPath
            )
        )
        remember("Prometheus") { prometheus.stop() }
        try Interruption.shared.check()
        record("prometheus", prometheus.process)
        let prometheusURL = "http://127.0.0.1:\(prometheusPort)"

        // The fleet starts at its minimum and must be Ready before the load begins.
        log("starting \(stack.minReplicas) fleet-app processes")
        let readyDeadline = now() + 30 + stack.startupDelaySeconds
        while fleet.counts.ready < stack.minReplicas {
            try Interruption.shared.check()
            try await fleet.tick(now: now())
            guard now() < readyDeadline else {
                throw ProvingGroundError(
                    "the first \(stack.minReplicas) fleet-app processes were not Ready within 30 s plus their "
                        + "\(Int(stack.startupDelaySeconds)) s startup delay; see \(work)/pods/*.err"
                )
            }
            try await Task.sleep(for: .milliseconds(250))
        }

        let policyPath = work + "/policy.yaml"
        try Files.write(PolicyText.render(options.policy, scenario: scenario), to: policyPath)
        let headroom = try spawn(
            "headroom",
            [
                "run", "--policy", policyPath, "--kubeconfig", work + "/kubeconfig", "--prometheus", prometheusURL,
                "--interval", "\(stack.intervalSeconds)s", "--metrics-address", "127.0.0.1:\(headroomMetricsPort)",
                "--log-format", "json", "--log-level", "info",
            ],
            stdout: work + "/headroom.log",
            stderr: work + "/headroom.log"
        )
        remember("headroom") { headroom.terminate(grace: .seconds(10)) }
        try Interruption.shared.check()

        // Let Prometheus gather a few scrapes of everything before the load.
        try await waitForScrapes(prometheusURL: prometheusURL, fleet: fleet, now: now)

        // The load. The timeline records the fleet once per second while the load runs and during
        // the tail after it.
        let load = try startLoad(frontendPort: haproxyPorts.frontend)
        remember("headroom-load") { load.terminate(grace: .seconds(5)) }
        try Interruption.shared.check()
        let loadStart = now()
        log("load started: \(Int(scenario.load.duration)) s scheduled, then a \(scenario.tailSeconds) s tail")
        var timeline: [TimelinePoint] = []
        var loadEnd: Double?
        var nextRecord = now()
        let hardStop = loadStart + scenario.load.duration + 60 + Double(scenario.tailSeconds)
        while true {
            try Interruption.shared.check()
            let time = now()
            let spec = try await fleet.tick(now: time)
            if time >= nextRecord {
                let counts = fleet.counts
                let queue = (try? runtime.backendQueue()) ?? -1
                timeline.append(
                    TimelinePoint(
                        time: time,
                        spec: spec,
                        starting: counts.starting,
                        ready: counts.ready,
                        terminating: counts.terminating,
                        queue: queue
                    )
                )
                nextRecord += 1
                if timeline.count % 10 == 0 {
                    log(
                        "t=\(Int(time - loadStart))s spec.replicas \(spec), ready \(counts.ready), starting "
                            + "\(counts.starting), HAProxy queue \(queue)"
                    )
                }
            }
            if loadEnd == nil, !load.isRunning { loadEnd = time }
            if let loadEnd, time >= loadEnd + Double(scenario.tailSeconds) { break }
            if time > hardStop {
                throw ProvingGroundError(
                    "headroom-load did not finish within \(Int(hardStop - loadStart)) s; see \(work)/headroom-load.err"
                )
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let end = now()
        load.waitForExit(timeout: .seconds(5))
        let loadExitStatus = load.exitCode ?? -1
        headroom.terminate(grace: .seconds(10))

        // Records of the API server, Prometheus and PostgreSQL.
        let writes = scaleWrites(api.audit.all, start: startWall)
        let events = headroomEvents(api.store)
        let series = try await collectSeries(
            prometheusURL: prometheusURL,
            start: startWall,
            end: startWall.addingTimeInterval(end)
        )
        fleet.stopAll()
        processes += fleet.started.map { ProcessRecord(name: $0.name, pid: $0.pid) }
        stopEverything()

        let logText = try Files.read(postgres.logPath)
        try Files.write(logText, to: work + "/postgresql.log")
        // The data directories are large and not part of the result.
        for data in ["/postgres/data", "/prometheus/data"] { try? FileManager.default.removeItem(atPath: work + data) }
        let findings = Self.postgresFindings(
            log: logText,
            start: startWall,
            scenario: scenario
        )
        let summary = try JSONDecoder().decode(
            LoadSummary.self,
            from: Data(Files.read(work + "/load-summary.json").utf8)
        )
        let result = RunResult(
            scenario: scenario,
            policy: options.policy,
            startedAtUnix: startWall.timeIntervalSince1970,
            loadStart: loadStart,
            loadEnd: loadEnd ?? end,
            end: end,
            load: summary,
            loadExitStatus: loadExitStatus,
            writes: writes,
            timeline: timeline,
            series: series,
            postgres: findings,
            events: events,
            processes: processes,
            files: (try? FileManager.default.contentsOfDirectory(atPath: work).sorted()) ?? []
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Files.writeAtomically(encoder.encode(result), to: work + "/result.json")
        return result
    }

    // MARK: Steps

    private func binary(_ name: String) -> String { options.binaries + "/" + name }

    private func spawn(
        _ name: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        stdout: String? = nil,
        stderr: String? = nil
    ) throws -> StackProcess {
        let process = try StackProcess(
            argv: [binary(name)] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            stdoutPath: stdout ?? "\(work)/\(name).out",
            stderrPath: stderr ?? "\(work)/\(name).err"
        )
        record(name, process)
        return process
    }

    private func record(_ name: String, _ process: StackProcess) {
        processes.append(ProcessRecord(name: name, pid: process.pid))
    }

    private func remember(_ name: String, _ stop: @escaping () -> Void) {
        cleanups.append((name, stop))
    }

    /// Stops everything started so far, newest first. Calling it again does nothing, because each
    /// stop is removed before it runs.
    private func stopEverything() {
        while let (_, stop) = cleanups.popLast() { stop() }
    }

    private func seedDatabase(port: Int) throws {
        let seed = try spawn(
            "fleet-app",
            ["seed"],
            environment: [
                "DB_HOST": "127.0.0.1", "DB_PORT": String(port), "DB_DATABASE": "directus", "DB_USER": "directus",
                "FLEET_APP_SEED_ITEMS": "1000",
            ],
            stdout: work + "/seed.out",
            stderr: work + "/seed.err"
        )
        seed.waitForExit(timeout: .seconds(60))
        let status = seed.exitCode
        guard status == 0 else {
            seed.terminate()
            throw ProvingGroundError(
                "fleet-app seed failed with exit status \(status.map(String.init) ?? "none within 60 s"): "
                    + ((try? Files.read(work + "/seed.err")) ?? "")
            )
        }
    }

    private func makeCertificate() throws -> (certificate: String, key: String) {
        let certificate = work + "/api.crt"
        let key = work + "/api.key"
        let openssl = try StackProcess(
            argv: [
                "/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key,
                "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            stdoutPath: work + "/openssl.out",
            stderrPath: work + "/openssl.err"
        )
        guard openssl.waitForExit(timeout: .seconds(30)), openssl.exitCode == 0 else {
            openssl.terminate()
            throw ProvingGroundError("openssl failed to create the API server's certificate; see \(work)/openssl.err")
        }
        return (certificate, key)
    }

    private func writeKubeconfig(apiURL: String, certificate: String) throws {
        try Files.write(
            """
            apiVersion: v1
            kind: Config
            current-context: proving-ground
            clusters:
            - name: proving-ground
              cluster: {server: "\(apiURL)", certificate-authority: "\(certificate)"}
            users:
            - name: headroom
              user: {token: headroom-token}
            - name: admin
              user: {token: admin-token}
            contexts:
            - name: proving-ground
              context: {cluster: proving-ground, user: headroom, namespace: \(PolicyText.namespace)}
            - name: admin
              context: {cluster: proving-ground, user: admin, namespace: \(PolicyText.namespace)}

            """,
            to: work + "/kubeconfig"
        )
    }

    func prometheusConfig(
        haproxyStats: Int,
        postgresExporter: Int,
        pgbouncerExporter: Int?,
        headroomMetrics: Int,
        fileSD: String
    ) -> String {
        var text = """
            global:
              scrape_interval: \(stack.scrapeIntervalSeconds)s
              scrape_timeout: \(stack.scrapeIntervalSeconds)s
              evaluation_interval: \(stack.scrapeIntervalSeconds)s
            scrape_configs:
              - job_name: haproxy
                static_configs:
                  - targets: ["127.0.0.1:\(haproxyStats)"]
                    labels: {namespace: \(PolicyText.namespace)}
              - job_name: postgres
                static_configs:
                  - targets: ["127.0.0.1:\(postgresExporter)"]
              - job_name: headroom
                static_configs:
                  - targets: ["127.0.0.1:\(headroomMetrics)"]
              - job_name: directus
                file_sd_configs:
                  - files: ["\(fileSD)"]
                    refresh_interval: 1s

            """
        if let pgbouncerExporter {
            text += """
                  - job_name: pgbouncer
                    static_configs:
                      - targets: ["127.0.0.1:\(pgbouncerExporter)"]

                """
        }
        return text
    }

    /// Waits until Prometheus has scraped HAProxy, the Postgres exporter and every fleet process
    /// at least three times, and ticks the fleet meanwhile. Throws after 30 s.
    private func waitForScrapes(prometheusURL: String, fleet: ProcessFleet, now: () -> Double) async throws {
        let client = try PrometheusClient(baseURL: prometheusURL, http: CurlHTTPClient())
        let deadline = now() + 30
        let needed = 2 + stack.minReplicas
        while now() < deadline {
            try Interruption.shared.check()
            try await fleet.tick(now: now())
            let result = try? await client.query(
                "count(count_over_time(up{job=~\"haproxy|postgres|directus\"}[30s]) >= 3)"
            )
            if case .vector(let samples)? = result?.data, let value = samples.first?.point.value, Int(value) >= needed {
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ProvingGroundError(
            "Prometheus did not scrape HAProxy, the Postgres exporter and the fleet three times within 30 s; "
                + "see \(work)/prometheus/prometheus.stderr"
        )
    }

    private func startLoad(frontendPort: Int) throws -> StackProcess {
        var arguments = ["--url", "http://127.0.0.1:\(frontendPort)"]
        switch scenario.load {
        case .worldCup98(let from, let to, let compression, let peak, let floor):
            guard let traces = options.traces else {
                throw ProvingGroundError(
                    "scenario \(scenario.name.rawValue) replays WorldCup98, but the traces were not found: pass "
                        + "--traces DIR (the directory that contains worldcup98-requests-per-minute.csv) or set "
                        + "HEADROOM_TRACES"
                )
            }
            arguments += [
                "--trace", "worldcup98:\(traces)/worldcup98-requests-per-minute.csv", "--from", from, "--to", to,
                "--compression", Self.number(compression), "--peak", Self.number(peak), "--floor", Self.number(floor),
            ]
        case .rates(let rates):
            let path = work + "/rates.csv"
            let lines = rates.enumerated().map { "\($0.offset),\(Self.number($0.element))" }
            try Files.write((["second,rate"] + lines).joined(separator: "\n") + "\n", to: path)
            arguments += ["--rates", path]
        }
        arguments += [
            "--timeout", "15s", "--max-connections", "3000", "--seed", "1", "--out", work + "/load.jsonl",
            "--summary", work + "/load-summary.json",
        ]
        return try spawn("headroom-load", arguments)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Extracts the successful `spec.replicas` writes to the Deployment's scale subresource from
    /// the audit log.
    private func scaleWrites(_ entries: [AuditEntry], start: Date) -> [ScaleWrite] {
        entries.compactMap { entry in
            guard entry.verb == "patch" || entry.verb == "update",
                entry.path.hasSuffix("/deployments/\(PolicyText.deployment)/scale"),
                (200..<300).contains(entry.status),
                let body = entry.body,
                let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                let spec = object["spec"] as? [String: Any],
                let replicas = spec["replicas"] as? Int
            else { return nil }
            return ScaleWrite(
                time: entry.time.timeIntervalSince(start),
                replicas: replicas,
                identity: entry.identity ?? ""
            )
        }
    }

    private func headroomEvents(_ store: ObjectStore) -> [EventRecord] {
        guard let type = ResourceType.find(groupVersion: "v1", name: "events") else { return [] }
        return store.list(type, namespace: PolicyText.namespace).items.compactMap { event in
            guard
                event[path: ["source", "component"]]?.stringValue == "headroom"
                    || event["reportingComponent"]?.stringValue == "headroom"
            else { return nil }
            return EventRecord(
                reason: event["reason"]?.stringValue ?? "",
                type: event["type"]?.stringValue ?? "",
                message: event["message"]?.stringValue ?? "",
                count: event["count"]?.intValue ?? 1
            )
        }
    }

    /// Prometheus queries of the series that the report and the invariant checks read, at one
    /// point per second.
    static let seriesQueries: [(String, String)] = [
        ("postgresConnections", "sum(pg_stat_activity_count{job=\"postgres\"})"),
        ("postgresMaxConnections", "max(pg_settings_max_connections{job=\"postgres\"})"),
        (
            "appP99",
            "histogram_quantile(0.99, sum by (le) (rate(fleet_app_http_request_duration_seconds_bucket{job=\"directus\"}[5s])))"
        ),
        ("haproxy5xx", "sum(rate(haproxy_backend_http_responses_total{proxy=\"directus\", code=\"5xx\"}[5s]))"),
        ("haproxyRequests", "sum(rate(haproxy_backend_http_requests_total{proxy=\"directus\"}[5s]))"),
        ("haproxyQueue", "sum(haproxy_backend_current_queue{proxy=\"directus\"})"),
        ("haproxyQueueTime", "max(haproxy_backend_queue_time_average_seconds{proxy=\"directus\"})"),
        ("budgetCeiling", "max(headroom_target_budget_ceiling_replicas{name=\"directus\"})"),
        ("boundedReplicas", "max(headroom_target_bounded_replicas{name=\"directus\"})"),
    ]

    private func collectSeries(prometheusURL: String, start: Date, end: Date) async throws -> [String: [SeriesPoint]] {
        let client = try PrometheusClient(baseURL: prometheusURL, http: CurlHTTPClient())
        var series: [String: [SeriesPoint]] = [:]
        for (name, query) in Self.seriesQueries {
            do {
                let result = try await client.queryRange(query, start: start, end: end, step: .seconds(1))
                if case .matrix(let matrix) = result.data, let first = matrix.first {
                    // NaN (a quantile of no requests) and infinities have no JSON form, so they are
                    // left out as gaps.
                    series[name] = first.points.filter(\.value.isFinite).map {
                        SeriesPoint(time: $0.timestamp - start.timeIntervalSince1970, value: $0.value)
                    }
                } else {
                    series[name] = []
                }
            } catch {
                log("Prometheus range query for \(name) failed: \(error)")
                series[name] = []
            }
        }
        return series
    }

    /// Extracts the refusals for lack of connection slots and the fleet-app connections from PostgreSQL's
    /// log, in seconds since the run's start.
    static func postgresFindings(log text: String, start: Date, scenario: Scenario) -> PostgresFindings {
        let entries = PostgresLog.parse(text)
        var refusals: [Double] = []
        var reservedSlotRefusals = 0
        var fleetRefusals = 0
        var connections: [ConnectionRecord] = []
        var refusedConnections: Set<Int> = []
        // A refusal of the reserved slots comes after authentication, so the same backend pid
        // logged `connection authorized` just before it. This maps the pid of the latest
        // authorized fleet-app connection to its index in `connections`.
        var fleetConnectionOfPID: [Int: Int] = [:]

        for entry in entries {
            let time = entry.timestamp.timeIntervalSince(start)
            switch entry.kind {
            case .tooManyClients:
                refusals.append(time)
                if entry.message.contains("reserved") { reservedSlotRefusals += 1 }
                // Authorized, then refused: the pod did not get this connection.
                if let index = fleetConnectionOfPID[entry.pid] {
                    fleetRefusals += 1
                    refusedConnections.insert(index)
                }
            case .connectionAuthorized(_, _, let application):
                fleetConnectionOfPID[entry.pid] = nil
                if let application, application.hasPrefix(PolicyText.deployment + "-") {
                    fleetConnectionOfPID[entry.pid] = connections.count
                    connections.append(ConnectionRecord(time: time, application: application))
                }
            default:
                break
            }
        }

        let accepted = connections.indices.filter { !refusedConnections.contains($0) }.map { connections[$0] }
        return PostgresFindings(
            maxConnections: scenario.stack.maxConnections,
            superuserReservedConnections: scenario.stack.superuserReservedConnections,
            refusals: refusals,
            reservedSlotRefusals: reservedSlotRefusals,
            fleetRefusals: fleetRefusals,
            appConnections: accepted,
            maxNewConnectionsPerStartupPeriod: maxInWindow(
                accepted.map(\.time),
                length: scenario.stack.startupDelaySeconds
            )
        )
    }
}
