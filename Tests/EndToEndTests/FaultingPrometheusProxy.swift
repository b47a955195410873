import Foundation
import HTTPServer
import HTTPTransport
import Synchronization

/// An HTTP proxy in front of Prometheus that returns 503, as Prometheus does for a query that
/// timed out or was cancelled, to every query whose PromQL contains `marker` while failing is
/// on, and forwards every other request unchanged.
final class FaultingPrometheusProxy: Sendable {
    private let server: HTTPServer
    private let failing: FailingSwitch

    private final class FailingSwitch: Sendable {
        let isOn = Atomic<Bool>(true)
    }
    let marker: String

    init(upstream: String, marker: String) throws {
        let failing = FailingSwitch()
        let client = try CurlHTTPClient()
        self.failing = failing
        self.marker = marker
        server = try HTTPServer(address: "127.0.0.1", port: 0) { request in
            let body = String(decoding: request.body, as: UTF8.self)
            let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
            let decodedBody = body.removingPercentEncoding ?? body
            if failing.isOn.load(ordering: .relaxed), (decodedBody + query).contains(marker) {
                let error =
                    #"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#
                return .json(503, Data(error.utf8))
            }
            var forwarded = HTTPRequest(
                method: HTTPMethod(rawValue: request.method) ?? .get,
                url: upstream + request.path + (query.isEmpty ? "" : "?" + query)
            )
            if let type = request.header("Content-Type") { forwarded.headers.append(HTTPHeader("Content-Type", type)) }
            forwarded.body = request.body.isEmpty ? nil : request.body
            do {
                let response = try await client.send(forwarded)
                let type = response.header("Content-Type") ?? "application/json"
                return ServerResponse(status: response.status, headers: [("Content-Type", type)], body: response.body)
            } catch {
                return .text(502, "forwarding to Prometheus failed: \(error)\n")
            }
        }
    }

    var baseURL: String { server.baseURL }

    /// Stops returning 503, so every later query is forwarded.
    func clearFault() {
        failing.isOn.store(false, ordering: .relaxed)
    }

    func stop() {
        server.stop()
    }
}
