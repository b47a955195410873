import Foundation
import HTTPTransport
import Synchronization

/// An `HTTPClient` that responds through a closure, records every request and tracks the
/// largest number of requests in flight at once. It can also wrap a real client to count
/// its requests.
final class ScriptedHTTPClient: HTTPClient {
    private let respond: @Sendable (HTTPRequest) async throws -> HTTPResponse
    private let state = Mutex<(requests: [HTTPRequest], inFlight: Int, maxInFlight: Int)>(([], 0, 0))

    init(respond: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        self.respond = respond
    }

    /// Counts the requests sent through `client`.
    convenience init(wrapping client: any HTTPClient) {
        self.init { try await client.send($0) }
    }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    /// The `query` form field of every request, in order.
    var queries: [String] { requests.compactMap { formFields($0)["query"] } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        state.withLock {
            $0.requests.append(request)
            $0.inFlight += 1
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        return try await respond(request)
    }
}

/// Decodes an `application/x-www-form-urlencoded` request body.
func formFields(_ request: HTTPRequest) -> [String: String] {
    let body = String(decoding: request.body ?? Data(), as: UTF8.self)
    var fields: [String: String] = [:]
    for pair in body.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { continue }
        let decode = { (text: String) in
            text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
        }
        fields[decode(parts[0])] = decode(parts[1])
    }
    return fields
}

/// Builds a JSON vector response with one sample per entry of `series`.
func vectorResponse(_ series: [([String: String], String)], at time: Double = 1_700_000_000) -> HTTPResponse {
    let results = series.map { labels, value in
        let metric = labels.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        return "{\"metric\":{\(metric)},\"value\":[\(time),\"\(value)\"]}"
    }
    let body =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[\(results.joined(separator: ","))]}}"
    return HTTPResponse(status: 200, body: Data(body.utf8))
}
