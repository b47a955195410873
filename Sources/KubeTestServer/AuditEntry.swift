import Foundation

/// One request as the test server saw it.
public struct AuditEntry: Sendable, Codable, Equatable {
    /// The arrival order: 1 for the first request the server received, counting up.
    public var sequence: Int
    /// When the request arrived.
    public var time: Date
    /// HTTP method, such as `PATCH`.
    public var method: String
    /// Kubernetes verb (`get`, `list`, `create`, `update`, `patch`, `delete`), or the lowercased
    /// method for non-resource paths.
    public var verb: String
    public var path: String
    /// The query string without `?`, empty when none.
    public var query: String
    /// The authenticated identity, `nil` for an anonymous request.
    public var identity: String?
    public var userAgent: String?
    public var status: Int
    /// The request body of writes, as text: empty for a body rejected as too large, `nil` for
    /// reads.
    public var body: String?
    /// The fault rule action applied to this request, `nil` for a request served without one.
    /// A `fail` action means the status came from the rule, not from the resource operation.
    public var fault: FaultRule.Action? = nil
}
