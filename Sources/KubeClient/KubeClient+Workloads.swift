import Foundation

extension KubeClient {
    /// Reads the Deployment or StatefulSet of `target` for its status and selector.
    public func workloadStatus(of target: ScaleTarget) async throws(KubeError) -> WorkloadStatus {
        let requestTarget = target.target(verb: "get")
        let data = try await perform(Call(method: .get, path: target.path, target: requestTarget, priority: .normal))
        return try decode(WorkloadWire.self, data, target: requestTarget).value
    }

    /// Lists the pods in `namespace` that match `labelSelector` (query syntax, such as the
    /// Scale's `status.selector`). An empty selector would match every pod, so it throws
    /// `KubeError.invalidResponse` without sending a request: the selector comes from the
    /// cluster, and a Scale without one cannot be used to count pods.
    public func pods(namespace: String, labelSelector: String) async throws(KubeError) -> [PodInfo] {
        let requestTarget = KubeRequestTarget(verb: "list", group: "", resource: "pods", namespace: namespace)
        guard !labelSelector.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidResponse(
                target: requestTarget,
                message: "the label selector is empty, so the pod list would contain every pod in the namespace; "
                    + "check that the workload's Scale reports status.selector"
            )
        }
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
