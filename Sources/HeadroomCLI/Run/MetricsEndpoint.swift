import Foundation
import HTTPServer
import Observability

/// The `/metrics` (Prometheus text format) and `/healthz` endpoint on libmicrohttpd.
enum MetricsEndpoint {
    /// Starts serving `registry` on `host` and `port` (0 picks a free port).
    static func start(host: String, port: Int, registry: MetricsRegistry) throws -> HTTPServer {
        try HTTPServer(address: host, port: port) { request in
            respond(to: request, registry: registry)
        }
    }

    static func respond(to request: ServerRequest, registry: MetricsRegistry) -> ServerResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return ServerResponse(status: 405, headers: [("Allow", "GET, HEAD")])
        }
        switch request.path {
        case "/metrics":
            return ServerResponse(
                status: 200,
                headers: [("Content-Type", MetricsRegistry.contentType)],
                body: Data(registry.render().utf8)
            )
        case "/healthz":
            return .text(200, "ok\n")
        default:
            return .text(404, "not found: \(request.path); try /metrics or /healthz\n")
        }
    }
}
