import Foundation

/// The response a handler returns to `HTTPServer`.
public struct ServerResponse: Sendable {
    public var status: Int
    /// Header fields sent in this order. `Content-Length` is added by the server.
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with `Content-Type: application/json` and `body` as its content.
    public static func json(_ status: Int, _ body: Data) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }

    /// A response with `Content-Type: text/plain; charset=utf-8`.
    public static func text(_ status: Int, _ text: String) -> ServerResponse {
        ServerResponse(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8")],
            body: Data(text.utf8)
        )
    }
}
