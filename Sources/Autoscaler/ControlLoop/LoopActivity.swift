import Foundation
import Synchronization

/// When the loop last decided for a target. A decision follows a successful read of the
/// workload, so this is also when the API server last answered, which `/readyz` reports.
public final class LoopActivity: Sendable {
    private let lastDecision = Mutex<Date?>(nil)

    public init() {}

    /// Records a decision made at `time`.
    public func decided(at time: Date) {
        lastDecision.withLock { last in
            if last.map({ time > $0 }) ?? true { last = time }
        }
    }

    /// The time of the newest decision, or nil before the first.
    public var lastDecisionTime: Date? { lastDecision.withLock { $0 } }
}
