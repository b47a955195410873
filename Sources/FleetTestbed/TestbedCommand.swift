import Dispatch
import Foundation
import HTTPServer
import KubeTestServer
import Synchronization

/// The `headroom-testbed` program: starts the API test server and the exporter server on
/// loopback, prints their URLs, runs the testbed until the load ends, `--max-duration` passes or
/// SIGINT/SIGTERM arrives, then stops both servers. Returns the exit status.
public enum TestbedCommand {
    public static func main(_ arguments: [String]) async -> Int32 {
        if arguments.first == "report" { return ReportCommand.main(Array(arguments.dropFirst())) }
        if arguments.contains("--help") || arguments.contains("-h") {
            print(TestbedOptions.usage, terminator: "")
            return 0
        }
        let options: TestbedOptions
        do {
            options = try TestbedOptions.parse(arguments)
        } catch {
            let lines = error.problems.map { "headroom-testbed: \($0)" }.joined(separator: "\n")
            FileHandle.standardError.write(Data((lines + "\n").utf8))
            return 2
        }
        do {
            try await run(options)
            return 0
        } catch {
            FileHandle.standardError.write(Data("headroom-testbed: \(error)\n".utf8))
            return 1
        }
    }

    static func run(_ options: TestbedOptions) async throws {
        let api = try startAPI(options)
        defer { api.stop() }
        let publication = Publication()
        let metrics = try ExporterServer(publication: publication, port: options.configuration.metricsPort)
        defer { metrics.stop() }
        let testbed = try Testbed(
            configuration: options.configuration,
            store: api.store,
            metricsPort: metrics.port,
            wallStart: Date(),
            publication: publication
        )
        var banner = "api \(api.apiURL)\n"
        if let adminURL = api.adminURL { banner += "admin \(adminURL)\n" }
        banner += "metrics \(metrics.baseURL)\n"
        FileHandle.standardOutput.write(Data(banner.utf8))

        let timeline = try options.configuration.timelinePath.map { path throws(TestbedError) in
            try TimelineWriter(path: path)
        }
        defer { timeline?.close() }
        let runTask = Task { try await testbed.run(clock: SystemTestbedClock(), timeline: timeline) }
        let signals = StopSignals { runTask.cancel() }
        defer { signals.cancel() }
        let summary = try await runTask.value
        let line = String(
            format: "headroom-testbed: stopped (%@) after %d ticks; tick mean %.2f ms, max %.2f ms\n",
            summary.end.rawValue,
            summary.ticks,
            summary.meanTickMilliseconds,
            summary.maxTickMilliseconds
        )
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func startAPI(_ options: TestbedOptions) throws -> KubeTestServer {
        let tls = try ServerTLS(certificateFile: options.certificateFile, keyFile: options.keyFile)
        let server = try KubeTestServer(
            .init(apiPort: options.apiPort, adminPort: options.adminPort, tls: tls, tokens: options.tokens)
        )
        do {
            if let rbacFile = options.rbacFile {
                let data = try Data(contentsOf: URL(fileURLWithPath: rbacFile))
                for (identity, rules) in try JSONDecoder().decode([String: [RBACRule]].self, from: data) {
                    server.access.setRules(rules, for: identity)
                }
            }
        } catch {
            server.stop()
            throw TestbedError.file(path: options.rbacFile ?? "", reason: "not a JSON RBAC file: \(error)")
        }
        return server
    }
}

/// SIGINT and SIGTERM turned into one call of `onStop`, through Dispatch signal sources (the
/// signals' default action is ignored while the sources exist, so they cannot kill the process
/// halfway through a tick).
final class StopSignals {
    private let sources: [any DispatchSourceSignal]

    init(onStop: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "headroom-testbed.signals")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: onStop)
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
