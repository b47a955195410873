import Foundation
import HTTPServer
import RealStack

// A Prometheus exporter for PgBouncer's admin console under the Go pgbouncer_exporter's metric
// names. Each scrape of /metrics runs SHOW POOLS, SHOW DATABASES and SHOW STATS on one
// reused connection, and reconnects on the next scrape after a failure.

let usage = """
    usage: headroom-pgbouncer-exporter --listen 127.0.0.1:PORT --pgbouncer CONNINFO
      --listen     the address and port to serve /metrics on (default 127.0.0.1:9127)
      --pgbouncer  a libpq connection string for PgBouncer's admin console, such as
                   'host=127.0.0.1 port=6432 dbname=pgbouncer user=postgres'
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("headroom-pgbouncer-exporter: \(message)\n".utf8))
    exit(2)
}

@Sendable func log(_ message: String) {
    FileHandle.standardError.write(Data("\(Date()) \(message)\n".utf8))
}

var listen = "127.0.0.1:9127"
var conninfo: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--listen":
        guard let value = arguments.popFirst() else { fail("--listen needs a value such as 127.0.0.1:9127") }
        listen = value
    case "--pgbouncer":
        guard let value = arguments.popFirst() else { fail("--pgbouncer needs a libpq connection string") }
        conninfo = value
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        fail("unknown argument '\(argument)'\n\(usage)")
    }
}
guard let conninfo else { fail("--pgbouncer is missing\n\(usage)") }
guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
    (0...65535).contains(port)
else {
    fail("--listen '\(listen)' is invalid; give ADDRESS:PORT such as 127.0.0.1:9127")
}
let address = String(listen[..<colon])
let scraper = PgBouncerScraper(conninfo: conninfo, log: log)

// Block SIGINT and SIGTERM before the server's threads start, so that they inherit the mask
// and the main thread receives both through sigwait.
var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGINT)
sigaddset(&signals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &signals, nil)

let server: HTTPServer
do {
    server = try HTTPServer(
        address: address,
        port: port,
        synchronousHandler: { request in
            guard request.path == "/metrics" else { return .text(404, "not found; metrics are at /metrics\n") }
            return ServerResponse(
                status: 200,
                headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: Data(scraper.scrape().utf8)
            )
        }
    )
} catch {
    fail("cannot listen on \(listen): \(error)")
}
log("serving PgBouncer metrics on http://\(address):\(server.port)/metrics")
var received: Int32 = 0
sigwait(&signals, &received)
log("received signal \(received), stopping")
server.stop()
