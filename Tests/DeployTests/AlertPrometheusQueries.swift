import Foundation
import HTTPTransport
import TestSupport

/// Instant queries against a test Prometheus, returning the decoded `data` or the server's
/// error so a test can show which expression Prometheus rejected and why.
struct PrometheusQueries {
    let server: PrometheusServer
    let http: CurlHTTPClient

    /// The outcome of one `/api/v1/query`: `status` is `success` or `error`.
    struct Outcome {
        let status: String
        let error: String?
        /// The elements of `data.result` for a vector result, empty otherwise.
        let vector: [(labels: [String: String], value: String)]
    }

    init(server: PrometheusServer) throws {
        self.server = server
        http = try CurlHTTPClient()
    }

    func query(_ expression: String, at time: Double) async throws -> Outcome {
        let url = "\(server.baseURL)/api/v1/query?query=\(Self.formEncode(expression))&time=\(time)"
        let response = try await http.send(HTTPRequest(method: .get, url: url, timeout: .seconds(10)))
        guard let body = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw TestSupportError.failed("Prometheus returned HTTP \(response.status) without a JSON object")
        }
        let data = body["data"] as? [String: Any]
        var vector: [(labels: [String: String], value: String)] = []
        if data?["resultType"] as? String == "vector" {
            for element in data?["result"] as? [[String: Any]] ?? [] {
                let labels = element["metric"] as? [String: String] ?? [:]
                let value = (element["value"] as? [Any])?.last as? String ?? ""
                vector.append((labels, value))
            }
        }
        return Outcome(status: body["status"] as? String ?? "", error: body["error"] as? String, vector: vector)
    }

    /// Percent-encodes everything but unreserved characters, so `+` in an expression is not
    /// read as a space.
    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func stop() {
        _ = http.shutdown()
        server.stop()
    }
}
