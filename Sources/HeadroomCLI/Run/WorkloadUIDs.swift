import Synchronization

/// The uid of each target's workload as last read, shared by the workload reader and the
/// Event writer. A workload deleted and created again gets a new uid on the next read.
final class WorkloadUIDs: Sendable {
    private let uids = Mutex<[String: String]>([:])

    func set(_ uid: String?, for identity: String) {
        uids.withLock { $0[identity] = uid }
    }

    func uid(for identity: String) -> String? {
        uids.withLock { $0[identity] }
    }
}
