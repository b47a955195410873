import Foundation

/// HAProxy on 127.0.0.1 in HTTP mode, with one backend whose servers are added and removed
/// through the runtime API, and HAProxy's built-in Prometheus exporter.
///
/// The backend balances with `leastconn` (which allows servers added at run time) and uses
/// `option redispatch`. A request that waits in the queue for longer than `queueTimeout` gets
/// HAProxy's own 503, counted under `haproxy_backend_http_responses_total{code="5xx"}`.
public final class HAProxyServer: Sendable {
    public let directory: String
    public let frontendPort: Int
    public let statsPort: Int
    public let runtimePort: Int
    public let backend: String
    public let serverMaxConn: Int
    public let slowstart: Int
    public let process: StackProcess
    public let runtime: HAProxyRuntime

    /// Writes `haproxy.cfg` under `directory`, runs `haproxy -f haproxy.cfg -db`, and waits up
    /// to `startTimeout` until the runtime API and the exporter respond.
    ///
    /// - Parameters:
    ///   - serverMaxConn: concurrent requests per server; more wait in HAProxy's queue.
    ///   - slowstart: seconds over which a newly enabled server's weight ramps up.
    ///   - queueTimeout: the longest wait in the queue before HAProxy returns 503.
    ///   - frontendMaxConn: concurrent connections the frontend accepts.
    public static func start(
        directory: String,
        frontendPort: Int,
        statsPort: Int,
        runtimePort: Int,
        backend: String = "fleet",
        serverMaxConn: Int,
        slowstart: Int,
        queueTimeout: Duration,
        frontendMaxConn: Int,
        startTimeout: Duration = .seconds(20)
    ) throws(RealStackError) -> HAProxyServer {
        guard serverMaxConn > 0, frontendMaxConn > 0, slowstart >= 0 else {
            throw .invalidArgument(
                "serverMaxConn \(serverMaxConn) and frontendMaxConn \(frontendMaxConn) must be positive "
                    + "and slowstart \(slowstart) must not be negative"
            )
        }
        let queueMilliseconds = Int(
            queueTimeout.components.seconds * 1000 + queueTimeout.components.attoseconds / 1_000_000_000_000_000
        )
        guard queueMilliseconds > 0 else {
            throw .invalidArgument("queueTimeout \(queueTimeout) must be at least 1 ms")
        }
        guard !backend.isEmpty, backend.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw .invalidArgument("backend '\(backend)' must be letters, digits, '_' or '-'")
        }
        let binary = try findExecutable(["/usr/sbin/haproxy", "/usr/bin/haproxy"], purpose: "haproxy")
        try makeDirectory(directory, owner: nil)

        let configuration = """
            global
                maxconn \(max(frontendMaxConn * 2, 256))
                stats socket ipv4@127.0.0.1:\(runtimePort) level admin
                stats timeout 10s

            defaults
                mode http
                timeout connect 2s
                timeout client 60s
                timeout server 60s
                timeout queue \(queueMilliseconds)ms
                retries 1

            frontend fleet-in
                bind 127.0.0.1:\(frontendPort)
                maxconn \(frontendMaxConn)
                default_backend \(backend)

            frontend stats
                bind 127.0.0.1:\(statsPort)
                http-request use-service prometheus-exporter if { path /metrics }
                http-request return status 404 content-type text/plain string "not found" if !{ path /metrics }

            backend \(backend)
                balance leastconn
                option redispatch

            """
        let configPath = directory + "/haproxy.cfg"
        do {
            try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw .invalidArgument("cannot write \(configPath): \(error)")
        }
        let process = try StackProcess(
            argv: [binary, "-f", configPath, "-db"],
            workingDirectory: directory,
            stdoutPath: directory + "/haproxy.stdout",
            stderrPath: directory + "/haproxy.stderr"
        )
        let runtime = HAProxyRuntime(
            port: runtimePort,
            backend: backend,
            serverMaxConn: serverMaxConn,
            slowstart: slowstart
        )
        let ready = Loopback.poll(timeout: startTimeout) {
            guard process.isRunning else { return true }
            _ = try runtime.stats()
            return try Loopback.get(port: statsPort, path: "/metrics").status == 200
        }
        guard ready, process.isRunning else {
            process.terminate(grace: .seconds(2))
            throw .startFailed(
                program: "haproxy",
                reason: (ready ? "it exited" : "not ready after \(startTimeout)")
                    + "; log tail: \(process.stderrTail())"
            )
        }
        return HAProxyServer(
            directory: directory,
            frontendPort: frontendPort,
            statsPort: statsPort,
            runtimePort: runtimePort,
            backend: backend,
            serverMaxConn: serverMaxConn,
            slowstart: slowstart,
            process: process,
            runtime: runtime
        )
    }

    private init(
        directory: String,
        frontendPort: Int,
        statsPort: Int,
        runtimePort: Int,
        backend: String,
        serverMaxConn: Int,
        slowstart: Int,
        process: StackProcess,
        runtime: HAProxyRuntime
    ) {
        self.directory = directory
        self.frontendPort = frontendPort
        self.statsPort = statsPort
        self.runtimePort = runtimePort
        self.backend = backend
        self.serverMaxConn = serverMaxConn
        self.slowstart = slowstart
        self.process = process
        self.runtime = runtime
    }

    /// Fetches the exporter's `/metrics`.
    public func scrapeMetrics() throws(RealStackError) -> String {
        let (status, body) = try Loopback.get(port: statsPort, path: "/metrics")
        guard status == 200 else { throw .protocolError("GET /metrics on port \(statsPort) returned \(status)") }
        return body
    }

    /// Stops HAProxy with SIGTERM (its hard stop), then SIGKILL after `grace`.
    public func stop(grace: Duration = .seconds(5)) {
        process.terminate(grace: grace)
    }
}
