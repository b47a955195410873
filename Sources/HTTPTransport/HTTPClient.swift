import Foundation

/// An HTTP method that the clients send.
public enum HTTPMethod: String, Sendable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
}

/// One header field. Names compare case-insensitively; order is kept.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request to send. `url` is absolute (`https://host:port/path?query`).
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: [HTTPHeader]
    public var body: Data?
    /// Overrides the client's total timeout for this request.
    public var timeout: Duration?

    public init(
        method: HTTPMethod,
        url: String,
        headers: [HTTPHeader] = [],
        body: Data? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// A response with any status: a non-2xx status is not an error at this layer.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: Data

    public init(status: Int, headers: [HTTPHeader] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Sends HTTP requests. Conformers are safe to call from many tasks at once, and
/// cancelling the calling task aborts its transfer with `TransportError.cancelled`.
public protocol HTTPClient: Sendable {
    /// Sends `request` and returns the response for any HTTP status.
    ///
    /// Throws `TransportError` when no HTTP response arrived (connect failure,
    /// timeout, TLS failure, cancellation).
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
