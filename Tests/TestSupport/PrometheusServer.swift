import Foundation

/// A Prometheus server (the Debian `prometheus` binary) on a free loopback port with a
/// temporary TSDB, for integration tests. Call `stop()` at the end, which also removes the
/// temporary directory.
///
/// The server's own log line "Server is ready to receive web requests." marks readiness,
/// which works for plain HTTP and for TLS set up through `webConfig`. A start that fails
/// because another process took the port is retried on a new port.
public final class PrometheusServer: @unchecked Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    private let child: ChildProcess

    /// `http://127.0.0.1:<port>` (or `https://` when `webConfig` sets up TLS).
    public let baseURL: String

    /// Starts Prometheus and waits until it is ready.
    ///
    /// - Parameters:
    ///   - openMetrics: samples to backfill with `promtool tsdb create-blocks-from
    ///     openmetrics` before start (timestamps in seconds, ending with `# EOF`).
    ///   - scrapeTargets: `host:port` addresses scraped every `scrapeInterval` at `/metrics`.
    ///   - webConfig: the contents of a `--web.config.file` (TLS and basic auth). Give
    ///     certificate and key paths as absolute paths.
    ///   - extraArguments: further command line flags, such as `--web.route-prefix=/prometheus`.
    public init(
        openMetrics: String? = nil,
        scrapeTargets: [String] = [],
        scrapeInterval: Duration = .seconds(1),
        webConfig: String? = nil,
        extraArguments: [String] = [],
        directory existing: TemporaryDirectory? = nil,
        readyTimeout: Duration = .seconds(60)
    ) throws {
        let directory = try existing ?? TemporaryDirectory(prefix: "prometheus")
        self.directory = directory
        let dataPath = directory.file("data")
        try FileManager.default.createDirectory(atPath: dataPath, withIntermediateDirectories: true)

        if let openMetrics {
            let input = try directory.write("backfill.om", openMetrics)
            let result = try runCommand(
                "promtool",
                ["tsdb", "create-blocks-from", "openmetrics", "-q", input, dataPath]
            )
            guard result.status == 0 else {
                throw TestSupportError.failed("promtool backfill failed: \(result.stderr)")
            }
        }

        let config = try directory.write("prometheus.yml", Self.config(scrapeTargets, scrapeInterval))
        var arguments =
            [
                "--config.file=\(config)", "--storage.tsdb.path=\(dataPath)",
                "--storage.tsdb.retention.time=100y", "--log.level=info",
            ] + extraArguments
        if let webConfig {
            arguments.append("--web.config.file=\(try directory.write("web.yml", webConfig))")
        }
        let scheme = webConfig?.contains("tls_server_config") == true ? "https" : "http"

        var attempt = 0
        while true {
            attempt += 1
            let port = try freeLoopbackPort()
            let child = try ChildProcess(
                executable: "prometheus",
                arguments: arguments + ["--web.listen-address=127.0.0.1:\(port)"],
                logPrefix: directory.file("prometheus-\(attempt)")
            )
            switch Self.waitUntilReady(child, timeout: readyTimeout) {
            case .ready:
                self.port = port
                self.child = child
                baseURL = "\(scheme)://127.0.0.1:\(port)"
                return
            case .portTaken where attempt < 5:
                child.terminate()
                continue
            case .portTaken, .failed:
                child.terminate()
                throw TestSupportError.failed("Prometheus did not start: \(child.stderr().suffix(2000))")
            }
        }
    }

    /// Stops the server and removes its temporary directory.
    public func stop() {
        child.terminate()
        directory.remove()
    }

    /// The server's log so far, for failure messages.
    public var log: String { child.stderr() }

    private enum StartState {
        case ready
        case portTaken
        case failed
    }

    private static func waitUntilReady(_ child: ChildProcess, timeout: Duration) -> StartState {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let log = child.stderr()
            if log.contains("Server is ready to receive web requests") { return .ready }
            if log.contains("address already in use") { return .portTaken }
            if !child.isRunning { return .failed }
            usleep(50_000)
        }
        return .failed
    }

    private static func config(_ targets: [String], _ interval: Duration) -> String {
        var text = "global:\n  scrape_interval: \(interval.components.seconds)s\n"
        guard !targets.isEmpty else { return text + "scrape_configs: []\n" }
        text += "scrape_configs:\n  - job_name: live\n    static_configs:\n      - targets:\n"
        for target in targets {
            text += "          - \"\(target)\"\n"
        }
        return text
    }
}
