import Foundation

/// One HTTP request received by `HTTPServer`, with its whole body.
public struct ServerRequest: Sendable {
    /// The method as sent, such as `GET` or `PATCH`.
    public var method: String
    /// The percent-decoded path without the query string, such as `/api/v1/pods`.
    public var path: String
    /// Query parameters in request order, percent-decoded. A key without `=` has an empty value.
    public var query: [(name: String, value: String)]
    /// Header fields in request order.
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(
        method: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        body: Data = Data()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The value of the first query parameter named `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}
