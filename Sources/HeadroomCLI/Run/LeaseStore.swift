import KubeClient

/// The three Lease calls leader election makes, so the algorithm is tested against an
/// in-memory store and runs against the API server through `KubeClient`.
///
/// `create` throws `KubeError.alreadyExists` when the Lease exists; `update` throws
/// `KubeError.conflict` when the `resourceVersion` it carries is no longer current.
protocol LeaseStore: Sendable {
    func lease(namespace: String, name: String) async throws(KubeError) -> Lease?
    func createLease(_ lease: Lease) async throws(KubeError) -> Lease
    func updateLease(_ lease: Lease) async throws(KubeError) -> Lease
}

extension KubeClient: LeaseStore {}
