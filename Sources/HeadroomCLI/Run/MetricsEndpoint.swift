import Autoscaler
import Foundation
import HTTPServer
import Observability

/// The operator endpoint on libmicrohttpd: `/metrics` (Prometheus text format), `/healthz`,
/// `/readyz` and `/debug/decisions`.
struct MetricsEndpoint: Sendable {
    let registry: MetricsRegistry
    let process: ProcessMetrics
    let probes: HealthProbes?
    let decisions: (@Sendable () -> [String: [RecordedDecision]])?
    let logger: Logger?

    /// Registers the process and build metrics in `registry`. Without `probes`, `/healthz`
    /// answers `ok` while the process serves and `/readyz` is ready. Without `decisions`,
    /// `/debug/decisions` is an empty object.
    init(
        registry: MetricsRegistry,
        probes: HealthProbes? = nil,
        decisions: (@Sendable () -> [String: [RecordedDecision]])? = nil,
        logger: Logger? = nil
    ) {
        self.logger = logger
        self.registry = registry
        self.probes = probes
        self.decisions = decisions
        process = ProcessMetrics(registry: registry)
        registry.gauge(
            "headroom_build_info",
            help: "1, with the Headroom version and the Swift compiler version it was built with as labels.",
            labelNames: ["version", "swift"]
        ).set(1, labels: [HeadroomCommandLine.version, Self.swiftVersion])
    }

    /// The Swift compiler version, as far as the compiler conditions tell.
    static var swiftVersion: String {
        #if compiler(>=6.3)
            "6.3"
        #elseif compiler(>=6.2)
            "6.2"
        #elseif compiler(>=6.1)
            "6.1"
        #else
            "6.0"
        #endif
    }

    /// Starts serving on `host` and `port` (0 picks a free port).
    func start(host: String, port: Int) throws -> HTTPServer {
        try HTTPServer(address: host, port: port) { request in
            respond(to: request)
        }
    }

    func respond(to request: ServerRequest) -> ServerResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return ServerResponse(status: 405, headers: [("Allow", "GET, HEAD")])
        }
        switch request.path {
        case "/metrics":
            process.update()
            return ServerResponse(
                status: 200,
                headers: [("Content-Type", MetricsRegistry.contentType)],
                body: Data(registry.render().utf8)
            )
        case "/healthz":
            let answer = probes?.liveness() ?? ProbeAnswer(status: 200, body: "ok\n")
            return .text(answer.status, answer.body)
        case "/readyz":
            let answer = probes?.readiness() ?? ProbeAnswer(status: 200, body: "ready\n")
            return .text(answer.status, answer.body)
        case "/debug/decisions":
            do {
                return .json(200, try DecisionsDocument.render(decisions?() ?? [:]))
            } catch {
                logger?.error("encoding /debug/decisions failed", ["error": .string("\(error)")])
                return .text(500, "encoding the decisions failed: \(error)\n")
            }
        default:
            return .text(
                404,
                "not found: \(request.path); try /metrics, /healthz, /readyz or /debug/decisions\n"
            )
        }
    }
}
