import Foundation
import HTTPServer
import HTTPTransport
import TestSupport

/// An HTTP proxy in front of Prometheus that multiplies every sample value of each instant-query
/// response whose PromQL contains `marker` by `factor`, except the sample-age queries
/// (`timestamp(...)`), and forwards every other request unchanged.
///
/// With a factor of 0.5 it acts as a silent partial result: a federated or sharded query layer
/// that lost half of the series behind a `sum()` and reports neither an error nor a warning.
/// The instance behind it computes a lower, wrong value that looks valid.
final class PartialDataPrometheusProxy: Sendable {
    private let server: HTTPServer
    let marker: String
    let factor: Double

    init(upstream: String, marker: String, factor: Double) throws {
        let client = try CurlHTTPClient()
        self.marker = marker
        self.factor = factor
        server = try HTTPServer(address: "127.0.0.1", port: 0) { request in
            let body = String(decoding: request.body, as: UTF8.self)
            let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
            let decodedBody = body.removingPercentEncoding ?? body
            let promQL = decodedBody + query
            // Headroom dates each signal with a second query, `timestamp()` over the raw series.
            // A partial result keeps the timestamps of the series it has, so that query passes.
            let partial = promQL.contains(marker) && !promQL.contains("timestamp(")
            var forwarded = HTTPRequest(
                method: HTTPMethod(rawValue: request.method) ?? .get,
                url: upstream + request.path + (query.isEmpty ? "" : "?" + query)
            )
            if let type = request.header("Content-Type") { forwarded.headers.append(HTTPHeader("Content-Type", type)) }
            forwarded.body = request.body.isEmpty ? nil : request.body
            do {
                let response = try await client.send(forwarded)
                let type = response.header("Content-Type") ?? "application/json"
                let body =
                    partial && response.status == 200 ? try Self.scaling(response.body, by: factor) : response.body
                return ServerResponse(status: response.status, headers: [("Content-Type", type)], body: body)
            } catch {
                return .text(502, "forwarding to Prometheus failed: \(error)\n")
            }
        }
    }

    var baseURL: String { server.baseURL }

    /// Returns the response with each `[time, "value"]` pair of a vector result multiplied by
    /// `factor`. A result of another type is returned unchanged.
    static func scaling(_ body: Data, by factor: Double) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: body) as? [String: Any],
            var data = object["data"] as? [String: Any],
            let series = data["result"] as? [[String: Any]]
        else {
            throw TestSupportError.failed(
                "Prometheus returned a query response without data.result; check the upstream URL"
            )
        }
        guard data["resultType"] as? String == "vector" else { return body }
        data["result"] = series.map { sample -> [String: Any] in
            var sample = sample
            if let pair = sample["value"] as? [Any], pair.count == 2, let text = pair[1] as? String,
                let value = Double(text)
            {
                sample["value"] = [pair[0], String(value * factor)]
            }
            return sample
        }
        object["data"] = data
        return try JSONSerialization.data(withJSONObject: object)
    }

    func stop() {
        server.stop()
    }
}
