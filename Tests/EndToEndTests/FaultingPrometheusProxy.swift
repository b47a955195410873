import Foundation
import HTTPServer
import HTTPTransport
import Synchronization
import TestSupport

/// An HTTP proxy in front of Prometheus that responds to every query whose PromQL contains
/// `marker` with its fault while failing is on, and forwards every other request unchanged.
final class FaultingPrometheusProxy: Sendable {
    /// What a query with the marker gets while failing is on.
    enum Fault: Sendable, Equatable {
        /// HTTP 503 with an error envelope, as Prometheus returns for a query that timed out or
        /// was cancelled.
        case unavailable
        /// HTTP 200 with a body cut off in the middle of the JSON object, as a proxy that drops
        /// the connection mid-response leaves it.
        case malformed
        /// Prometheus' own response with a `warnings` list added, as Thanos or Mimir add to a
        /// partial result.
        case warning
        /// Prometheus' own response, sent only after this delay, as an overloaded server does.
        case delay(Duration)
    }

    /// The warning text that `.warning` adds.
    static let warningText = "fault injected by the test proxy: partial response"

    private let server: HTTPServer
    private let failing: FailingSwitch

    private final class FailingSwitch: Sendable {
        let isOn = Atomic<Bool>(true)
    }
    let marker: String

    init(upstream: String, marker: String, fault: Fault = .unavailable) throws {
        let failing = FailingSwitch()
        let client = try CurlHTTPClient()
        self.failing = failing
        self.marker = marker
        server = try HTTPServer(address: "127.0.0.1", port: 0) { request in
            let body = String(decoding: request.body, as: UTF8.self)
            let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
            let decodedBody = body.removingPercentEncoding ?? body
            let faulted = failing.isOn.load(ordering: .relaxed) && (decodedBody + query).contains(marker)
            if faulted, fault == .unavailable {
                let error =
                    #"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#
                return .json(503, Data(error.utf8))
            }
            if faulted, fault == .malformed {
                return .json(200, Data(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":"#.utf8))
            }
            if faulted, case .delay(let delay) = fault {
                try? await Task.sleep(for: delay)
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
                let body = faulted && fault == .warning ? try Self.addingWarning(to: response.body) : response.body
                return ServerResponse(status: response.status, headers: [("Content-Type", type)], body: body)
            } catch {
                return .text(502, "forwarding to Prometheus failed: \(error)\n")
            }
        }
    }

    var baseURL: String { server.baseURL }

    /// Returns the response object with `warnings: [warningText]` added.
    private static func addingWarning(to body: Data) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw TestSupportError.failed(
                "Prometheus returned a query response that is not a JSON object; check the upstream URL"
            )
        }
        object["warnings"] = [warningText]
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// Stops the fault, so every later query is forwarded unchanged.
    func clearFault() {
        failing.isOn.store(false, ordering: .relaxed)
    }

    func stop() {
        server.stop()
    }
}
