import Dispatch
import Foundation
import HTTPServer
import Observability
import PostgresClient

/// The `fleet-app` command: serve the item API, or `fleet-app seed` to create and fill the
/// `articles` table. Returns the exit status: 0 on success, 1 on a runtime failure, 2 on
/// invalid configuration.
public enum FleetAppCommand {
    /// Maximum wait for requests in flight after SIGTERM or SIGINT.
    static let drainSeconds = 10.0

    public static func main(arguments: [String], environment: [String: String]) -> Int32 {
        let logger = Logger(level: .info, sink: StreamLogSink(format: .json))
        let isSeed = arguments.first == "seed"
        if let first = arguments.first, !isSeed {
            FileHandle.standardError.write(
                Data("unknown argument \"\(first)\": run fleet-app, or fleet-app seed\n".utf8)
            )
            return 2
        }
        let configuration: FleetAppConfiguration
        do {
            configuration = try FleetAppConfiguration.parse(environment: environment, requirePort: !isSeed)
        } catch {
            FileHandle.standardError.write(Data("invalid configuration:\n\(error.description)\n".utf8))
            return 2
        }
        if isSeed { return seed(configuration, logger: logger) }
        return serve(configuration, logger: logger.with(["app": .string(configuration.applicationName)]))
    }

    static func seed(_ configuration: FleetAppConfiguration, logger: Logger) -> Int32 {
        do {
            let connection = try PostgresConnection(conninfo: configuration.conninfo)
            let inserted = try ArticleStore.seed(count: configuration.seedItems, on: connection)
            logger.info("seeded articles", ["inserted": .int(inserted), "total": .int(configuration.seedItems)])
            return 0
        } catch {
            logger.error("seed failed", ["error": .string(error.description)])
            return 1
        }
    }

    static func serve(_ configuration: FleetAppConfiguration, logger: Logger) -> Int32 {
        let app = FleetApp(configuration: configuration, logger: logger)
        let server: HTTPServer
        do {
            server = try HTTPServer(address: configuration.host, port: configuration.port) { request in
                app.handle(request)
            }
        } catch {
            logger.error("HTTP server failed to start", ["error": .string("\(error)")])
            return 1
        }
        // Unbuffered, so a runner waiting for this line reads it at once.
        FileHandle.standardOutput.write(Data("listening \(server.baseURL)\n".utf8))

        let stop = DispatchSemaphore(value: 0)
        let signals = installSignalHandlers {
            logger.info("shutdown requested")
            app.beginShutdown()
            stop.signal()
        }
        let startup = Thread {
            start(app, logger: logger)
        }
        startup.start()

        stop.wait()
        let drained = app.waitForRequestsToFinish(timeoutSeconds: drainSeconds)
        if !drained {
            logger.warning("requests still in progress after the drain timeout", ["seconds": .double(drainSeconds)])
        }
        // Closing the pool first wakes requests still waiting for a connection (they get 503),
        // so the server's stop, which waits for every connection thread, ends soon after.
        app.pool.close()
        server.stop()
        withExtendedLifetime(signals) {}
        logger.info("stopped")
        return 0
    }

    /// Opens `DB_POOL__MIN` connections (retrying once a second until PostgreSQL accepts them),
    /// waits the startup delay and marks the app ready. Stops early once shutdown began.
    static func start(_ app: FleetApp, logger: Logger) {
        let configuration = app.configuration
        while true {
            do {
                try app.pool.fill(to: configuration.poolMinimum)
                break
            } catch .closed {
                return
            } catch {
                logger.warning(
                    "opening the minimum pool connections failed; retrying in 1 s",
                    ["error": .string(error.description)]
                )
                Thread.sleep(forTimeInterval: 1)
            }
        }
        if configuration.startupDelaySeconds > 0 {
            Thread.sleep(forTimeInterval: configuration.startupDelaySeconds)
        }
        app.markReady()
    }

    /// Routes SIGTERM and SIGINT to `handler`, once.
    static func installSignalHandlers(_ handler: @escaping @Sendable () -> Void) -> [DispatchSourceSignal] {
        let queue = DispatchQueue(label: "fleet-app-signals")
        let once = OnceFlag()
        return [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if once.claim() { handler() }
            }
            source.resume()
            return source
        }
    }
}

/// A flag that `claim()` returns true for exactly once. Not locked: the signal sources call
/// it only on their one serial queue.
private final class OnceFlag: @unchecked Sendable {
    private var claimed = false

    func claim() -> Bool {
        if claimed { return false }
        claimed = true
        return true
    }
}
