import Foundation
import HTTPServer
import Synchronization

/// The testbed's current report, shared between the tick loop (the writer) and the exporter
/// server's connection threads (the readers).
public final class Publication: Sendable {
    private let current = Mutex<(pages: ExporterPages?, state: TestbedStateReport?)>((nil, nil))

    public init() {}

    func publish(_ pages: ExporterPages, state: TestbedStateReport) {
        current.withLock { $0 = (pages, state) }
    }

    /// The pages of the last tick; empty pages before the first.
    public var pages: ExporterPages {
        current.withLock { $0.pages }
            ?? ExporterPages(exporters: FleetExporters(namespace: "", deployment: ""), snapshot: nil)
    }
    public var state: TestbedStateReport? { current.withLock { $0.state } }
}

/// One loopback HTTP server for every exporter of the fleet: `/pods/<name>/metrics`,
/// `/ingress/metrics`, `/pgbouncer/metrics`, `/postgres/metrics`, plus `/healthz` and `/state`.
public final class ExporterServer: Sendable {
    /// The exposition format Prometheus' text parser expects.
    static let exposition = "text/plain; version=0.0.4; charset=utf-8"
    private let server: HTTPServer

    /// Starts serving `publication` on 127.0.0.1:`port` (0 lets the kernel pick).
    public init(publication: Publication, port: Int = 0) throws(TestbedError) {
        do {
            server = try HTTPServer(port: port) { request in
                Self.respond(to: request, publication: publication)
            }
        } catch {
            throw .server(what: "the metrics server on 127.0.0.1:\(port)", reason: "\(error)")
        }
    }

    public var port: Int { server.port }
    public var baseURL: String { server.baseURL }

    public func stop() { server.stop() }

    static func respond(to request: ServerRequest, publication: Publication) -> ServerResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "only GET is served\n")
        }
        let path = request.path
        switch path {
        case "/healthz":
            return .text(200, "ok\n")
        case "/state":
            guard let state = publication.state else { return .text(503, "no tick has run yet\n") }
            return .json(200, state.json())
        case "/ingress/metrics":
            return metrics(publication.pages.ingress)
        case "/postgres/metrics":
            return metrics(publication.pages.postgres)
        case "/pgbouncer/metrics":
            guard let page = publication.pages.pgbouncer else {
                return .text(404, "this fleet has no PgBouncer (fleet directus-direct)\n")
            }
            return metrics(page)
        default:
            let parts = path.split(separator: "/", omittingEmptySubsequences: true)
            if parts.count == 3, parts[0] == "pods", parts[2] == "metrics" {
                guard let page = publication.pages.pod(String(parts[1])) else {
                    return .text(404, "no pod \(parts[1]) in the fleet\n")
                }
                return metrics(page)
            }
            return .text(404, "not found: \(path)\n")
        }
    }

    private static func metrics(_ page: String) -> ServerResponse {
        ServerResponse(status: 200, headers: [("Content-Type", exposition)], body: Data(page.utf8))
    }
}
