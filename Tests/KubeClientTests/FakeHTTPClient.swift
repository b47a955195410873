import Foundation
import HTTPTransport
import Synchronization

/// An `HTTPClient` that returns canned responses in order and records every request.
final class FakeHTTPClient: HTTPClient {
    private let state: Mutex<(responses: [HTTPResponse], requests: [HTTPRequest])>

    init(_ responses: [HTTPResponse]) {
        state = Mutex((responses, []))
    }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try state.withLock { state in
            state.requests.append(request)
            guard !state.responses.isEmpty else {
                throw TransportError.failed(url: request.url, reason: "no canned response left")
            }
            return state.responses.removeFirst()
        }
    }

    static func json(_ status: Int, _ text: String, headers: [HTTPHeader] = []) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: headers + [HTTPHeader("Content-Type", "application/json")],
            body: Data(text.utf8)
        )
    }
}
