import Foundation

extension KubeClient {
    /// Reads the Deployment or StatefulSet of `target` for its status and selector.
    public func workloadStatus(of target: ScaleTarget) async throws(KubeError) -> WorkloadStatus {
        let requestTarget = target.target(verb: "get")
        let data = try await perform(Call(method: .get, path: target.path, target: requestTarget, priority: .normal))
        return try decode(WorkloadWire.self, data, target: requestTarget).value
    }

    /// Lists the pods in `namespace` that match `labelSelector` (query syntax, such as the
    /// Scale's `status.selector`). An empty selector would match every pod, so it is rejected
    /// by the caller's precondition.
    public func pods(namespace: String, labelSelector: String) async throws(KubeError) -> [PodInfo] {
        precondition(!labelSelector.isEmpty, "an empty label selector would list every pod")
        let requestTarget = KubeRequestTarget(verb: "list", group: "", resource: "pods", namespace: namespace)
        let data = try await perform(
            Call(
                method: .get,
                path: "/api/v1/namespaces/\(Self.segment(namespace))/pods",
                query: [("labelSelector", labelSelector)],
                target: requestTarget,
                priority: .normal
            )
        )
        // NOTE: no `limit`/`continue` paging; one list returns every matching pod.
        return (try decode(PodListWire.self, data, target: requestTarget).items ?? []).map(\.value)
    }
}
