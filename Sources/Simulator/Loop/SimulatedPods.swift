import Autoscaler
import FleetModel
import Foundation

/// The fleet model's pods as the Kubernetes scaler reads them from the API, so the engine's pod
/// rules see in a simulation what they would see on a cluster.
///
/// The mapping follows the testbed's Pod objects. The phase is Pending until the pod is bound
/// to a node, and Running after. The `Ready` condition is true only while the pod is Ready and
/// not deleted, because a deleted pod leaves the endpoints at once. A deleted pod is
/// terminating for its whole grace period. Model seconds become dates as the world maps them.
enum SimulatedPods {
    /// Returns one `PodState` per pod of `snapshot`, terminating pods included, oldest first.
    static func states(of snapshot: FleetSnapshot, epoch: Date, schedulablePods: Int?) -> [PodState] {
        snapshot.pods.map { pod in
            let isReady = pod.phase == .ready
            return PodState(
                name: pod.name,
                phase: pod.scheduledAt == nil ? .pending : .running,
                isReady: isReady,
                readySince: isReady ? pod.readyAt.map { epoch.addingTimeInterval($0) } : nil,
                createdAt: epoch.addingTimeInterval(pod.createdAt),
                isTerminating: pod.deletedAt != nil,
                schedulingProblem: pod.unschedulable ? unschedulableMessage(schedulablePods) : nil
            )
        }
    }

    /// Returns the `PodScheduled` reason and message of a pod the full cluster cannot place.
    static func unschedulableMessage(_ schedulablePods: Int?) -> String {
        let room = schedulablePods.map { "room for \($0) pods" } ?? "no room"
        return "Unschedulable: the cluster has \(room) and they are all placed"
    }
}
