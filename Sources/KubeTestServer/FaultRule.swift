/// A fault for requests whose method and path match: fail them, delay them, or hold them until
/// released.
public struct FaultRule: Sendable, Codable, Hashable {
    public enum Action: Sendable, Codable, Hashable {
        /// Respond with `status` (a Status object with `reason`) and an optional `Retry-After`.
        case fail(status: Int, reason: String, retryAfterSeconds: Int?)
        /// Add latency before the request is served.
        case delay(milliseconds: Int)
        /// Wait until `release(hold:)` is called with this name.
        case hold(name: String)
    }

    /// HTTP method to match, `nil` for any.
    public var method: String?
    /// Path to match exactly, or as a prefix when it ends in `*`.
    public var path: String
    /// How many requests this rule applies to before it expires.
    public var count: Int
    public var action: Action

    public init(method: String?, path: String, count: Int = 1, action: Action) {
        self.method = method
        self.path = path
        self.count = count
        self.action = action
    }

    func matches(method: String, path: String) -> Bool {
        if let expected = self.method, expected.uppercased() != method.uppercased() { return false }
        if self.path.hasSuffix("*") { return path.hasPrefix(String(self.path.dropLast())) }
        return self.path == path
    }
}
