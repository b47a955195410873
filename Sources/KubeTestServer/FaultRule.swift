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

    /// The problems that make this rule invalid, each naming the field, its value and what is
    /// allowed; empty for a valid rule.
    public var problems: [String] {
        var problems: [String] = []
        if count < 1 { problems.append("count \(count) is invalid: it must be at least 1") }
        if path.isEmpty { problems.append("path is empty: give a path, or a prefix that ends in *") }
        switch action {
        case .fail(let status, _, let retryAfter):
            if !(100...599).contains(status) {
                problems.append("fail.status \(status) is invalid: it must be an HTTP status from 100 to 599")
            }
            if let retryAfter, retryAfter < 0 {
                problems.append("fail.retryAfterSeconds \(retryAfter) is invalid: it must not be negative")
            }
        case .delay(let milliseconds):
            if !(0...FaultInjector.maxDelayMilliseconds).contains(milliseconds) {
                problems.append(
                    "delay.milliseconds \(milliseconds) is invalid: it must be from 0 to "
                        + "\(FaultInjector.maxDelayMilliseconds)"
                )
            }
        case .hold(let name):
            if name.isEmpty { problems.append("hold.name is empty: give the hold a name") }
        }
        return problems
    }

    func matches(method: String, path: String) -> Bool {
        if let expected = self.method, expected.uppercased() != method.uppercased() { return false }
        if self.path.hasSuffix("*") { return path.hasPrefix(String(self.path.dropLast())) }
        return self.path == path
    }
}
