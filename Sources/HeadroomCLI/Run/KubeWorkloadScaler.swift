import Autoscaler
import KubeClient

/// Reads and writes workloads for the control loop through `KubeClient`.
///
/// A read is one GET of the Deployment or StatefulSet, which carries `spec.replicas`,
/// `status.readyReplicas` and the resourceVersion together. A write is a merge patch of the
/// `scale` subresource that carries that resourceVersion as a precondition. The scale
/// subresource shares the resourceVersion of its workload, so the precondition applies across
/// the two paths.
///
/// When `target.needsPods`, a read also lists the workload's pods (see `readPods`); RBAC then
/// needs `list` on `pods` in the target's namespace besides `get` on the workload. Otherwise no
/// pod list is sent.
struct KubeWorkloadScaler: WorkloadScaler {
    let client: KubeClient
    /// Receives each workload's uid on every read, for the Events about it.
    let uids: WorkloadUIDs

    func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
        let workload = Self.scaleTarget(target)
        let status = try await client.workloadStatus(of: workload)
        uids.set(status.uid, for: target.identity)

        var state = WorkloadState(
            specReplicas: status.specReplicas,
            readyReplicas: status.readyReplicas,
            resourceVersion: status.resourceVersion
        )
        if target.needsPods {
            state.pods = try await readPods(of: workload, status: status)
        }
        return state
    }

    func writeReplicas(_ replicas: Int, to target: TargetPolicy, resourceVersion: String) async throws
        -> ScaleWriteResult
    {
        do {
            _ = try await client.patchScale(
                of: Self.scaleTarget(target),
                replicas: replicas,
                resourceVersion: resourceVersion
            )
            return .written
        } catch .conflict {
            return .conflict
        }
    }

    static func scaleTarget(_ target: TargetPolicy) -> ScaleTarget {
        let kind: ScaleTarget.Kind =
            switch target.kind {
            case .deployment: .deployment
            case .statefulSet: .statefulSet
            }
        return ScaleTarget(kind: kind, namespace: target.namespace, name: target.name)
    }
}
