import Foundation
import Synchronization

/// The audit log, bounded to the most recent `capacity` entries.
///
/// A request takes its sequence number when it arrives but is recorded when its response is
/// ready, so entries are kept sorted by sequence: a held or delayed request stays in its
/// arrival position.
public final class AuditLog: Sendable {
    private let entries = Mutex<[AuditEntry]>([])
    private let lastSequence = Mutex(0)
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Returns the sequence number for a request arriving now.
    func nextSequence() -> Int {
        lastSequence.withLock {
            $0 += 1
            return $0
        }
    }

    func append(_ entry: AuditEntry) {
        entries.withLock { entries in
            let index = entries.lastIndex { $0.sequence < entry.sequence }.map { $0 + 1 } ?? 0
            entries.insert(entry, at: index)
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// The entries in arrival order.
    public var all: [AuditEntry] { entries.withLock { $0 } }

    public func clear() {
        entries.withLock { $0.removeAll() }
    }
}
