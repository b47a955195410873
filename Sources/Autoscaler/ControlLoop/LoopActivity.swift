import Foundation
import Synchronization

/// When the loop last decided for a target or the API server last responded to a read. A
/// decision follows a successful read, and an error status such as 404 for a deleted target is a
/// response too, so this is when the API server was last reachable, which `/readyz` reports.
public final class LoopActivity: Sendable {
    private let lastDecision = Mutex<Date?>(nil)

    public init() {}

    /// Records a decision made at `time`.
    public func decided(at time: Date) {
        lastDecision.withLock { last in
            if last.map({ time > $0 }) ?? true { last = time }
        }
    }

    /// Records that the API server responded to a read at `time` with an error status.
    public func apiResponded(at time: Date) {
        decided(at: time)
    }

    /// The time of the newest decision or response, or nil before the first.
    public var lastDecisionTime: Date? { lastDecision.withLock { $0 } }
}

/// An error that shows whether the API server responded to the request (with an error status)
/// or was not reached at all (a connection or TLS failure, a timeout).
public protocol APIServerError: Error {
    /// True when the API server responded.
    var serverResponded: Bool { get }
}
