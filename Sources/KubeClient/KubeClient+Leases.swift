import Foundation

extension KubeClient {
    private func leasePath(namespace: String, name: String? = nil) -> String {
        let base = "/apis/coordination.k8s.io/v1/namespaces/\(Self.segment(namespace))/leases"
        return name.map { "\(base)/\(Self.segment($0))" } ?? base
    }

    private func leaseTarget(_ verb: String, namespace: String, name: String?) -> KubeRequestTarget {
        KubeRequestTarget(
            verb: verb,
            group: "coordination.k8s.io",
            resource: "leases",
            namespace: namespace,
            name: name
        )
    }

    /// Reads a Lease; `nil` when it does not exist.
    public func lease(namespace: String, name: String) async throws(KubeError) -> Lease? {
        let target = leaseTarget("get", namespace: namespace, name: name)
        do {
            let data = try await perform(
                Call(method: .get, path: leasePath(namespace: namespace, name: name), target: target, priority: .high)
            )
            return try decode(LeaseWire.self, data, target: target).value(target: target)
        } catch {
            if case .notFound = error { return nil }
            throw error
        }
    }

    /// Creates `lease`; throws `KubeError.alreadyExists` when another candidate created it first.
    public func createLease(_ lease: Lease) async throws(KubeError) -> Lease {
        let target = leaseTarget("create", namespace: lease.namespace, name: lease.name)
        var wire = LeaseWire(lease)
        wire.metadata?.resourceVersion = nil
        let data = try await perform(
            Call(
                method: .post,
                path: leasePath(namespace: lease.namespace),
                query: [("fieldManager", fieldManager)],
                body: encode(wire),
                contentType: "application/json",
                target: target,
                priority: .high
            )
        )
        return try decode(LeaseWire.self, data, target: target).value(target: target)
    }

    /// Replaces `lease` with a PUT whose `resourceVersion` is the precondition; throws
    /// `KubeError.conflict` when another candidate wrote it since it was read.
    public func updateLease(_ lease: Lease) async throws(KubeError) -> Lease {
        precondition(lease.resourceVersion != nil, "an update needs the resourceVersion of a read")
        let target = leaseTarget("update", namespace: lease.namespace, name: lease.name)
        let data = try await perform(
            Call(
                method: .put,
                path: leasePath(namespace: lease.namespace, name: lease.name),
                query: [("fieldManager", fieldManager)],
                body: encode(LeaseWire(lease)),
                contentType: "application/json",
                target: target,
                priority: .high
            )
        )
        return try decode(LeaseWire.self, data, target: target).value(target: target)
    }
}
