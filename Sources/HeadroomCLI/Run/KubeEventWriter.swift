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

    func create(_ event: TargetEvent, at time: Date) async throws -> RecordedEvent {
        let kubeEvent = KubeEvent(
            regarding: ObjectReference(
                KubeWorkloadScaler.scaleTarget(event.target),
                uid: uids.uid(for: event.target.identity)
            ),
            reason: event.reason.rawValue,
            message: event.message,
            type: event.reason.type == .warning ? .warning : .normal,
            reportingComponent: "headroom",
            reportingInstance: instance
        )
        return try await client.createEvent(kubeEvent, now: time)
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
