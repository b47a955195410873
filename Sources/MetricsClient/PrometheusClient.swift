import Foundation
import HTTPTransport

/// Runs PromQL queries against the Prometheus HTTP API or a compatible one (Mimir, Cortex,
/// Thanos, VictoriaMetrics).
///
/// `baseURL` may carry a path prefix: `http://mimir:8080/prometheus` sends instant queries
/// to `http://mimir:8080/prometheus/api/v1/query`. Queries are sent as POST forms, so long
/// grouped queries do not hit URL length limits. Tenant headers and credentials belong to
/// the `HTTPClient`'s configuration.
public final class PrometheusClient: Sendable {
    public let baseURL: String
    private let http: any HTTPClient

    /// Creates a client for `baseURL`, ignoring any trailing slash.
    public init(baseURL: String, http: any HTTPClient) {
        var trimmed = baseURL
        while trimmed.hasSuffix("/") {
            trimmed.removeLast()
        }
        self.baseURL = trimmed
        self.http = http
    }

    /// Evaluates `query` at `time` (the server's current time when nil). `timeout` is sent
    /// as the server-side evaluation limit, which Prometheus caps at its `--query.timeout`.
    public func query(_ query: String, at time: Date? = nil, timeout: Duration? = nil) async throws(MetricsError)
        -> QueryResult
    {
        var form = [("query", query)]
        if let time {
            form.append(("time", formatTimestamp(time)))
        }
        if let timeout {
            form.append(("timeout", formatSeconds(timeout)))
        }
        return try await post(path: "/api/v1/query", form: form)
    }

    /// Evaluates `query` at every `step` from `start` to `end`, both inclusive.
    public func queryRange(
        _ query: String,
        start: Date,
        end: Date,
        step: Duration,
        timeout: Duration? = nil
    ) async throws(MetricsError) -> QueryResult {
        var form = [
            ("query", query),
            ("start", formatTimestamp(start)),
            ("end", formatTimestamp(end)),
            ("step", formatSeconds(step)),
        ]
        if let timeout {
            form.append(("timeout", formatSeconds(timeout)))
        }
        return try await post(path: "/api/v1/query_range", form: form)
    }

    private func post(path: String, form: [(String, String)]) async throws(MetricsError) -> QueryResult {
        let body = form.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
        let request = HTTPRequest(
            method: .post,
            url: baseURL + path,
            headers: [
                HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                HTTPHeader("Accept", "application/json"),
            ],
            body: Data(body.utf8)
        )

        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as TransportError {
            throw .transport(error)
        } catch {
            throw .transport(.failed(url: request.url, reason: "\(error)"))
        }
        return try QueryResponseDecoder.decode(status: response.status, body: response.body)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so `+` in `+Inf` or
/// `a + b` is sent as `%2B` rather than read as a space by the server.
func formEncode(_ text: String) -> String {
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

/// Formats a date as Unix seconds with millisecond precision, the resolution Prometheus
/// stores.
func formatTimestamp(_ date: Date) -> String {
    String(format: "%.3f", date.timeIntervalSince1970)
}

/// Formats a duration as decimal seconds, which the Prometheus API accepts for `timeout` and `step`.
func formatSeconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    return String(format: "%.3f", Double(seconds) + Double(attoseconds) / 1e18)
}
