import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A Prometheus server (the Debian `prometheus` binary) on a free loopback port with a
/// temporary TSDB, for integration tests. Call `stop()` at the end, which also removes the
/// temporary directory.
///
/// The server's own log line "Server is ready to receive web requests." marks readiness,
/// which works for plain HTTP and for TLS set up through `webConfig`. A start that fails
/// because another process took the port is retried on a new port.
///
/// `stopKeepingData()` and `restart()` stop the server and start it again on the same port
/// with the same TSDB, as an operator's restart does. While it is stopped, the port stays
/// bound by a socket that does not listen, so connections to it are refused and no other
/// process gets the port from the kernel.
public final class PrometheusServer: @unchecked Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    /// The running server, or the socket that keeps the port while it is stopped.
    private let state: Mutex<RunState>
    /// Every command line flag except `--web.listen-address`.
    private let arguments: [String]
    private let readyTimeout: Duration

    /// `http://127.0.0.1:<port>` (or `https://` when `webConfig` sets up TLS).
    public let baseURL: String

    private enum RunState {
        case running(ChildProcess, starts: Int)
        /// Stopped by `stopKeepingData()`; the descriptor is a bound, non-listening socket.
        case stopped(reservation: Int32, lastLog: String, starts: Int)
        case removed
    }

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
        self.arguments = arguments
        self.readyTimeout = readyTimeout

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
                state = Mutex(.running(child, starts: attempt))
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
        let previous = state.withLock { state in
            defer { state = .removed }
            return state
        }
        switch previous {
        case .running(let child, _): child.terminate()
        case .stopped(let reservation, _, _) where reservation >= 0: close(reservation)
        case .stopped: break
        case .removed: break
        }
        directory.remove()
    }

    /// Stops the server with SIGTERM (SIGKILL after 5 s) and keeps its TSDB and configuration
    /// for `restart()`. Until then, connections to `port` are refused.
    public func stopKeepingData() throws {
        try state.withLock { state in
            guard case .running(let child, let starts) = state else {
                throw TestSupportError.failed("Prometheus on port \(port) is not running, so it cannot be stopped")
            }
            child.terminate()
            state = .stopped(reservation: -1, lastLog: child.stderr(), starts: starts)
            let reservation = try Self.reservePort(port)
            state = .stopped(reservation: reservation, lastLog: child.stderr(), starts: starts)
        }
    }

    /// Starts the server stopped by `stopKeepingData()` again on the same port with the same
    /// TSDB, and waits until it is ready.
    ///
    /// The port is released just before the start, so another process can take it in between.
    /// That start is retried every 200 ms until `portWait` passes, then this throws, because
    /// clients keep the old address and a new port would not stand in for a restart.
    public func restart(portWait: Duration = .seconds(10)) throws {
        try state.withLock { state in
            guard case .stopped(let reservation, let lastLog, let starts) = state else {
                throw TestSupportError.failed("Prometheus on port \(port) is not stopped, so it cannot be restarted")
            }
            if reservation >= 0 { close(reservation) }
            state = .stopped(reservation: -1, lastLog: lastLog, starts: starts)
            let deadline = ContinuousClock.now + portWait
            var attempt = starts
            while true {
                attempt += 1
                let child = try ChildProcess(
                    executable: "prometheus",
                    arguments: arguments + ["--web.listen-address=127.0.0.1:\(port)"],
                    logPrefix: directory.file("prometheus-\(attempt)")
                )
                switch Self.waitUntilReady(child, timeout: readyTimeout) {
                case .ready:
                    state = .running(child, starts: attempt)
                    return
                case .portTaken where ContinuousClock.now < deadline:
                    child.terminate()
                    usleep(200_000)
                case .portTaken, .failed:
                    child.terminate()
                    let log = child.stderr()
                    state = .stopped(reservation: -1, lastLog: log, starts: attempt)
                    throw TestSupportError.failed(
                        "Prometheus did not restart on port \(port): \(log.suffix(2000))"
                    )
                }
            }
        }
    }

    /// The server's log so far (the last run's while it is stopped), for failure messages.
    public var log: String {
        state.withLock { state in
            switch state {
            case .running(let child, _): child.stderr()
            case .stopped(_, let lastLog, _): lastLog
            case .removed: ""
            }
        }
    }

    /// Binds a TCP socket to 127.0.0.1:`port` without listening on it, so the kernel refuses
    /// connections to the port and does not hand it out for port 0. `SO_REUSEADDR` lets the
    /// bind succeed while connections of the stopped server are in TIME_WAIT.
    private static func reservePort(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError.system("socket", errno) }
        var yes: Int32 = 1
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            let code = errno
            close(fd)
            throw TestSupportError.system("setsockopt SO_REUSEADDR", code)
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw TestSupportError.system("bind 127.0.0.1:\(port)", code)
        }
        return fd
    }

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
