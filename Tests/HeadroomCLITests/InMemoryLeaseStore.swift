import Foundation
import KubeClient
import Synchronization

@testable import HeadroomCLI

/// A Lease store in memory with the API server's rules that leader election relies on: create
/// fails when the Lease exists, update fails unless its `resourceVersion` is current, and each
/// write gives a new `resourceVersion`.
final class InMemoryLeaseStore: LeaseStore {
    private struct State {
        var leases: [String: Lease] = [:]
        var version = 100
        var failing = false
        var beforeNextUpdate: (@Sendable (InMemoryLeaseStore) -> Void)?
        var reads = 0
        var updates = 0
        var creates = 0
    }

    private let state = Mutex(State())
    private static let target = KubeRequestTarget(
        verb: "update",
        group: "coordination.k8s.io",
        resource: "leases",
        namespace: "ns"
    )

    /// While true every call fails as if the API server were unreachable.
    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    var reads: Int { state.withLock { $0.reads } }
    var updates: Int { state.withLock { $0.updates } }
    var creates: Int { state.withLock { $0.creates } }

    /// Runs `action` once, just before the next update is checked, to interleave another writer.
    func beforeNextUpdate(_ action: @escaping @Sendable (InMemoryLeaseStore) -> Void) {
        state.withLock { $0.beforeNextUpdate = action }
    }

    /// Returns the stored Lease without counting a read.
    func stored(_ name: String = "headroom") -> Lease? {
        state.withLock { $0.leases["ns/\(name)"] }
    }

    /// Stores `lease` directly, as another writer would, with a new `resourceVersion`.
    @discardableResult
    func put(_ lease: Lease) -> Lease {
        state.withLock { state in
            state.version += 1
            var stored = lease
            stored.resourceVersion = String(state.version)
            state.leases["\(lease.namespace)/\(lease.name)"] = stored
            return stored
        }
    }

    func lease(namespace: String, name: String) async throws(KubeError) -> Lease? {
        let result = state.withLock { state -> Lease?? in
            state.reads += 1
            return state.failing ? .none : .some(state.leases["\(namespace)/\(name)"])
        }
        guard let result else { throw Self.unreachable }
        return result
    }

    func createLease(_ lease: Lease) async throws(KubeError) -> Lease {
        let outcome = state.withLock { state -> Result<Lease, KubeError> in
            state.creates += 1
            if state.failing { return .failure(Self.unreachable) }
            let key = "\(lease.namespace)/\(lease.name)"
            if state.leases[key] != nil { return .failure(.alreadyExists(target: Self.target, status: nil)) }
            state.version += 1
            var stored = lease
            stored.resourceVersion = String(state.version)
            state.leases[key] = stored
            return .success(stored)
        }
        return try outcome.get()
    }

    func updateLease(_ lease: Lease) async throws(KubeError) -> Lease {
        let hook = state.withLock { state in
            defer { state.beforeNextUpdate = nil }
            return state.beforeNextUpdate
        }
        hook?(self)
        let outcome = state.withLock { state -> Result<Lease, KubeError> in
            state.updates += 1
            if state.failing { return .failure(Self.unreachable) }
            let key = "\(lease.namespace)/\(lease.name)"
            guard let current = state.leases[key] else { return .failure(.notFound(target: Self.target, status: nil)) }
            guard current.resourceVersion == lease.resourceVersion else {
                return .failure(.conflict(target: Self.target, status: nil))
            }
            state.version += 1
            var stored = lease
            stored.resourceVersion = String(state.version)
            state.leases[key] = stored
            return .success(stored)
        }
        return try outcome.get()
    }

    private static let unreachable = KubeError.api(target: target, httpStatus: 503, status: nil)
}
