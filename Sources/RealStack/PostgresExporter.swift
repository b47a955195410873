import Foundation

/// Debian's `prometheus-postgres-exporter` on 127.0.0.1, connected with a libpq-style data
/// source name (give a superuser, so that it can still connect through a reserved slot when
/// ordinary roles are refused).
public final class PostgresExporter: Sendable {
    public static let binary = "/usr/bin/prometheus-postgres-exporter"

    public let port: Int
    public let process: StackProcess

    /// Starts the exporter and waits up to `startTimeout` until `/metrics` contains `pg_up 1`.
    /// Its output goes to `exporter.stdout` and `exporter.stderr` under `directory`.
    public static func start(
        directory: String,
        port: Int,
        dataSourceName: String,
        startTimeout: Duration = .seconds(30)
    ) throws(RealStackError) -> PostgresExporter {
        let binary = try findExecutable([Self.binary], purpose: "prometheus-postgres-exporter")
        try makeDirectory(directory, owner: nil)
        var environment = ProcessInfo.processInfo.environment
        environment["DATA_SOURCE_NAME"] = dataSourceName
        let process = try StackProcess(
            argv: [binary, "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"],
            environment: environment,
            workingDirectory: directory,
            stdoutPath: directory + "/exporter.stdout",
            stderrPath: directory + "/exporter.stderr"
        )
        let exporter = PostgresExporter(port: port, process: process)
        let ready = Loopback.poll(timeout: startTimeout) {
            guard process.isRunning else { return true }
            let (status, body) = try Loopback.get(port: port, path: "/metrics")
            return status == 200 && PrometheusText.value(of: "pg_up", in: body) == 1
        }
        guard ready, process.isRunning else {
            process.terminate(grace: .seconds(2))
            throw .startFailed(
                program: "prometheus-postgres-exporter",
                reason: (ready ? "it exited" : "/metrics did not show pg_up 1 within \(startTimeout)")
                    + "; log tail: \(process.stderrTail())"
            )
        }
        return exporter
    }

    private init(port: Int, process: StackProcess) {
        self.port = port
        self.process = process
    }

    /// Fetches `/metrics` and returns its text.
    public func scrape() throws(RealStackError) -> String {
        let (status, body) = try Loopback.get(port: port, path: "/metrics")
        guard status == 200 else { throw .protocolError("GET /metrics on port \(port) returned \(status)") }
        return body
    }

    public func stop(grace: Duration = .seconds(5)) {
        process.terminate(grace: grace)
    }
}
