import Foundation
import Synchronization

/// The audit log, bounded to the most recent `capacity` entries.
public final class AuditLog: Sendable {
    private let entries = Mutex<[AuditEntry]>([])
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func append(_ entry: AuditEntry) {
        entries.withLock {
            $0.append(entry)
            if $0.count > capacity { $0.removeFirst($0.count - capacity) }
        }
    }

    /// The entries in arrival order.
    public var all: [AuditEntry] { entries.withLock { $0 } }

    public func clear() {
        entries.withLock { $0.removeAll() }
    }
}
