import Foundation
import HTTPTransport
import TestSupport

/// A `fleet-app` process started by a test against a `TestPostgres`, on a port the kernel
/// picks (`PORT=0`), so parallel suites never collide.
final class FleetAppProcess: @unchecked Sendable {
    let child: ChildProcess
    let baseURL: String
    let applicationName: String
    let client: CurlHTTPClient
    private let directory: TemporaryDirectory

    /// Starts the app with `settings` added to the database variables of `postgres`, and
    /// waits for its `listening` line.
    init(postgres: TestPostgres, settings: [String: String] = [:]) throws {
        applicationName = "fleet-app-test-\(UUID().uuidString.prefix(8).lowercased())"
        var environment = [
            "PORT": "0",
            "DB_HOST": "127.0.0.1",
            "DB_PORT": String(postgres.port),
            "FLEET_APP_NAME": applicationName,
        ]
        environment.merge(settings) { $1 }
        directory = try TemporaryDirectory(prefix: "fleet-app")
        child = try ChildProcess(
            executable: try Self.executable(),
            arguments: [],
            environment: environment,
            logPrefix: directory.file("app")
        )
        baseURL = try Self.waitForListeningLine(child)
        client = try CurlHTTPClient(configuration: TransportConfiguration(maxConcurrentRequests: 32))
    }

    deinit {
        _ = client.shutdown()
        child.terminate(grace: .seconds(12))
        directory.remove()
    }

    func get(_ path: String) async throws -> HTTPResponse {
        try await client.send(HTTPRequest(method: .get, url: baseURL + path, timeout: .seconds(20)))
    }

    func post(_ path: String, json: String) async throws -> HTTPResponse {
        try await client.send(
            HTTPRequest(
                method: .post,
                url: baseURL + path,
                headers: [HTTPHeader("Content-Type", "application/json")],
                body: Data(json.utf8),
                timeout: .seconds(20)
            )
        )
    }

    /// Sends a GET and returns its status and how long it took on the test's clock.
    func timedGet(_ path: String) async throws -> (status: Int, seconds: Double) {
        let start = ContinuousClock.now
        let response = try await get(path)
        return (response.status, seconds(since: start))
    }

    /// Polls `/server/health` every 20 ms until it returns `status`, up to `timeoutSeconds`.
    /// Returns whether it did.
    func waitForHealth(_ status: Int, timeoutSeconds: Double) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
        while ContinuousClock.now < deadline {
            if try await get("/server/health").status == status { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Parses `/metrics` into samples keyed by the series as written, such as
    /// `fleet_app_ready` or `fleet_app_http_requests_total{method="GET",...}`.
    func metrics() async throws -> [String: Double] {
        let text = String(decoding: try await get("/metrics").body, as: UTF8.self)
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func executable() throws -> String {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.appendingPathComponent("fleet-app"),
            bundle.deletingLastPathComponent().appendingPathComponent("fleet-app"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("fleet-app"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestSupportError.notFound("fleet-app next to \(bundle.path); run swift build --build-tests")
    }

    private static func waitForListeningLine(_ child: ChildProcess) throws -> String {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let line = child.stdout().split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) {
                return String(line.dropFirst("listening ".count))
            }
            guard child.isRunning else {
                throw TestSupportError.failed("fleet-app exited before listening: \(child.stderr())")
            }
            usleep(10_000)
        }
        throw TestSupportError.timedOut("fleet-app listening line; stderr: \(child.stderr())")
    }
}

/// Seconds from `start` to now, as a Double.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
