import Foundation

/// A Prometheus server (Debian's `prometheus`) on 127.0.0.1 with its TSDB under `directory`.
public final class PrometheusServer: Sendable {
    public let directory: String
    public let port: Int
    public let process: StackProcess

    /// Writes `configYAML` to `prometheus.yml` under `directory`, starts Prometheus, and waits
    /// up to `startTimeout` until `/-/ready` returns 200.
    public static func start(
        directory: String,
        port: Int,
        configYAML: String,
        startTimeout: Duration = .seconds(60)
    ) throws(RealStackError) -> PrometheusServer {
        let binary = try findExecutable(["/usr/bin/prometheus"], purpose: "prometheus")
        try makeDirectory(directory + "/data", owner: nil)
        let configPath = directory + "/prometheus.yml"
        do {
            try configYAML.write(toFile: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw .invalidArgument("cannot write \(configPath): \(error)")
        }
        let process = try StackProcess(
            argv: [
                binary, "--config.file=\(configPath)", "--storage.tsdb.path=\(directory)/data",
                "--web.listen-address=127.0.0.1:\(port)", "--storage.tsdb.retention.time=1d",
            ],
            workingDirectory: directory,
            stdoutPath: directory + "/prometheus.stdout",
            stderrPath: directory + "/prometheus.stderr"
        )
        let ready = Loopback.poll(timeout: startTimeout) {
            guard process.isRunning else { return true }
            return try Loopback.get(port: port, path: "/-/ready").status == 200
        }
        guard ready, process.isRunning else {
            process.terminate(grace: .seconds(2))
            throw .startFailed(
                program: "prometheus",
                reason: (ready ? "it exited" : "/-/ready did not return 200 within \(startTimeout)")
                    + "; log tail: \(process.stderrTail())"
            )
        }
        return PrometheusServer(directory: directory, port: port, process: process)
    }

    private init(directory: String, port: Int, process: StackProcess) {
        self.directory = directory
        self.port = port
        self.process = process
    }

    public func stop(grace: Duration = .seconds(10)) {
        process.terminate(grace: grace)
    }
}
