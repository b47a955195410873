import Autoscaler
import Foundation
import KubeClient

/// Creates core/v1 Events on targets and raises their count on repeats, for
/// `CountingEventRecorder`.
struct KubeEventWriter: EventWriter {
    let client: KubeClient
    /// `reportingInstance` of every Event: the pod name in a cluster, else the host name.
    let instance: String
    /// Workload uids from the latest reads; `kubectl describe` matches Events by uid.
    let uids: WorkloadUIDs
    /// The ConfigMap the policy is mounted from (`--policy-configmap`), which Events about the
    /// whole policy are recorded on. Without it they go to the event's target.
    var policyConfigMap: RunOptions.ObjectName? = nil

    func create(_ event: TargetEvent, at time: Date) async throws -> RecordedEvent {
        let kubeEvent = KubeEvent(
            regarding: Self.regarding(event, policyConfigMap: policyConfigMap, uids: uids),
            reason: event.reason.rawValue,
            message: event.message,
            type: event.reason.type == .warning ? .warning : .normal,
            reportingComponent: "headroom",
            reportingInstance: instance
        )
        return try await client.createEvent(kubeEvent, now: time)
    }

    /// Returns the object `event` is recorded on.
    static func regarding(_ event: TargetEvent, policyConfigMap: RunOptions.ObjectName?, uids: WorkloadUIDs)
        -> ObjectReference
    {
        if event.isAboutPolicy, let configMap = policyConfigMap {
            return ObjectReference(
                apiVersion: "v1",
                kind: "ConfigMap",
                name: configMap.name,
                namespace: configMap.namespace
            )
        }
        return ObjectReference(KubeWorkloadScaler.scaleTarget(event.target), uid: uids.uid(for: event.target.identity))
    }

    func updateCount(_ handle: RecordedEvent, count: Int, at time: Date) async throws -> RecordedEvent {
        try await client.patchEventCount(handle, count: count, now: time)
    }

    /// Returns the pod name (`POD_NAME`, else `HOSTNAME`, which Kubernetes sets to the pod
    /// name), else the machine's host name.
    static func defaultInstance(environment: [String: String]) -> String {
        for key in ["POD_NAME", "HOSTNAME"] {
            if let value = environment[key], !value.isEmpty { return value }
        }
        return ProcessInfo.processInfo.hostName
    }
}
