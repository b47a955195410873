import Autoscaler
import Foundation
import KubeClient
import Observability

/// Records a rejected policy reload as a Warning Event `PolicyReloadFailed`.
///
/// With `--policy-configmap NAMESPACE/NAME` the Event is on that ConfigMap, where the person who
/// edited the policy looks. Without it, the Event is on each target of the running policy,
/// since those are the objects a stale policy keeps scaling. A dry run and a standby write no
/// Event, so only the log record reports the failure.
struct KubePolicyEventRecorder: PolicyReloadEventRecorder {
    static let reason = "PolicyReloadFailed"

    let client: KubeClient
    let instance: String
    let uids: WorkloadUIDs
    let configMap: RunOptions.ObjectName?
    let dryRun: Bool
    /// False while the control loop may not write, such as on a standby replica.
    let isWriting: @Sendable () -> Bool
    let logger: Logger

    func reloadFailed(message: String, runningTargets: [TargetPolicy], at time: Date) async {
        guard !dryRun, isWriting() else { return }
        for regarding in Self.references(configMap: configMap, runningTargets: runningTargets, uids: uids) {
            let event = KubeEvent(
                regarding: regarding,
                reason: Self.reason,
                message: message,
                type: .warning,
                reportingComponent: "headroom",
                reportingInstance: instance
            )
            do {
                _ = try await client.createEvent(event, now: time)
            } catch {
                // The rejection is already logged, and a missing Event must not stop the loop.
                logger.warning(
                    "recording an Event failed",
                    [
                        "object": .string("\(regarding.kind) \(regarding.namespace)/\(regarding.name)"),
                        "eventReason": .string(Self.reason), "error": .string("\(error)"),
                    ]
                )
            }
        }
    }

    /// Returns the objects the Event is recorded on.
    static func references(
        configMap: RunOptions.ObjectName?,
        runningTargets: [TargetPolicy],
        uids: WorkloadUIDs
    ) -> [ObjectReference] {
        if let configMap {
            return [
                ObjectReference(
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    name: configMap.name,
                    namespace: configMap.namespace
                )
            ]
        }
        return runningTargets.map { target in
            ObjectReference(KubeWorkloadScaler.scaleTarget(target), uid: uids.uid(for: target.identity))
        }
    }
}
