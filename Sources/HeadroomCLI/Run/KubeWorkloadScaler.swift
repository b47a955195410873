import Autoscaler
import Foundation
import KubeClient
import Synchronization

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
    /// The HorizontalPodAutoscalers of each namespace, listed at most once per `ttl`.
    let autoscalers = HPACache()

    func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
        let workload = Self.scaleTarget(target)
        let status = try await client.workloadStatus(of: workload)
        uids.set(status.uid, for: target.identity)

        var state = WorkloadState(
            specReplicas: status.specReplicas,
            readyReplicas: status.readyReplicas,
            resourceVersion: status.resourceVersion,
            annotations: status.annotations,
            replicasManager: status.replicasManager
        )
        if target.mode == .scale {
            state.horizontalPodAutoscaler = await autoscalers.autoscaler(of: target, client: client)
        }
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

/// A throttled call's requested wait reaches the loop's backoff, so the next attempt on the
/// target comes no earlier than the API server requested.
extension KubeError: ServerRequestedWait {}

/// Any HTTP status but 401 shows a reachable API server: a 404 for a deleted target, a 403 or a
/// 5xx is still a response. A 401 means the credentials no longer work, so nothing can be read.
extension KubeError: APIServerError {
    public var serverResponded: Bool {
        switch self {
        case .forbidden, .notFound, .conflict, .alreadyExists, .throttled, .api, .invalidResponse: true
        case .noConfiguration, .invalidConfiguration, .execPlugin, .transport, .unauthorized: false
        }
    }
}

/// HorizontalPodAutoscaler lists by namespace, kept for `ttl` seconds so a cycle over many
/// targets of one namespace sends one list.
final class HPACache: Sendable {
    let ttl: TimeInterval = 30
    private let lists = Mutex<[String: (time: Date, items: [HorizontalPodAutoscalerReference])]>([:])

    private let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Returns the name of an HPA whose `scaleTargetRef` is `target`, or `nil`. A list that RBAC
    /// forbids finds none, so the check is skipped rather than stopping every write. Any other
    /// failed list (a timeout, a 5xx) keeps the last good list, so a passing API server error
    /// does not let Headroom write to a target that an HPA scales.
    func autoscaler(of target: TargetPolicy, client: KubeClient) async -> String? {
        let now = now()
        let cached = lists.withLock { $0[target.namespace] }
        var items = cached.flatMap { now.timeIntervalSince($0.time) < ttl ? $0.items : nil }
        if items == nil {
            let listed: [HorizontalPodAutoscalerReference]
            do {
                listed = try await client.horizontalPodAutoscalers(namespace: target.namespace)
            } catch KubeError.forbidden {
                listed = []
            } catch {
                listed = cached?.items ?? []
            }
            lists.withLock { $0[target.namespace] = (now, listed) }
            items = listed
        }
        return items?.first { $0.targetKind == target.kind.rawValue && $0.targetName == target.name }.map { hpa in
            hpa.createdByKEDA ? "\(hpa.name) (created by KEDA)" : hpa.name
        }
    }
}
