import Autoscaler
import KubeClient

extension KubeWorkloadScaler {
    /// Lists the pods the workload's selector matches and keeps those the workload controls,
    /// as the engine counts them.
    ///
    /// Labels are not ownership. One selector can match the pods of two workloads, such as two
    /// Deployments sharing `app: api` or a pod started by hand with that label. Counting every
    /// match, as the HPA does, would add the other workload's pods to this one's capacity and
    /// starting count. So a pod is kept only when its controller owner reference leads to the
    /// workload (see `isControlled`), which needs no request beyond the pod list. Pods left out
    /// this way are not reported.
    ///
    /// A selector with no query form fails the read with a `WorkloadSelectorError` before any
    /// pod list is sent; a failed list fails the read with its `KubeError`.
    func readPods(of workload: ScaleTarget, status: WorkloadStatus) async throws -> [PodState] {
        let selector = try status.podLabelSelector(of: workload)
        let pods = try await client.pods(namespace: workload.namespace, labelSelector: selector)
        return pods.filter { Self.isControlled($0, by: workload, uid: status.uid) }.map(Self.podState)
    }

    /// Whether the pod's controller is the workload, judged from the pod alone.
    ///
    /// A Deployment's pods are controlled by its ReplicaSets. The Deployment controller names
    /// each `<deployment>-<pod-template-hash>` and labels its pods with that `pod-template-hash`,
    /// so the pod alone tells its Deployment, where reading the ReplicaSets would cost a list per
    /// read. A StatefulSet controls its pods itself: the owner's uid must be the workload's when
    /// both are known, else the owner's name must be the workload's.
    static func isControlled(_ pod: PodInfo, by workload: ScaleTarget, uid: String?) -> Bool {
        guard let owner = pod.controller else { return false }
        switch workload.kind {
        case .deployment:
            guard owner.kind == "ReplicaSet", let hash = pod.labels["pod-template-hash"], !hash.isEmpty else {
                return false
            }
            return owner.name == "\(workload.name)-\(hash)"
        case .statefulSet:
            guard owner.kind == "StatefulSet" else { return false }
            if let uid, let ownerUID = owner.uid { return ownerUID == uid }
            return owner.name == workload.name
        }
    }

    /// Converts a pod to the engine's view. A phase outside the API's five becomes `Unknown`.
    static func podState(_ pod: PodInfo) -> PodState {
        PodState(
            name: pod.name,
            phase: PodState.Phase(rawValue: pod.phase) ?? .unknown,
            isReady: pod.isReady,
            readySince: pod.readySince,
            createdAt: pod.creationTimestamp,
            isTerminating: pod.isTerminating,
            schedulingProblem: pod.schedulingFailure?.summary
        )
    }
}
