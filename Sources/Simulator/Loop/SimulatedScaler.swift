import Autoscaler
import FleetModel

/// The Deployment's scale subresource, bound to the fleet model. A read returns `spec.replicas`
/// and the Ready pods from the model, and the pods themselves when the target needs them. A
/// write scales the model at once, with resourceVersion checked as the API server does.
public struct SimulatedScaler: WorkloadScaler {
    public let world: SimulationWorld

    public init(world: SimulationWorld) {
        self.world = world
    }

    public func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
        let epoch = world.epoch
        return world.state.withLock { state in
            let pods =
                target.needsPods
                ? SimulatedPods.states(
                    of: state.fleet.snapshot,
                    epoch: epoch,
                    schedulablePods: state.fleet.parameters.lifecycle.schedulablePods
                ) : nil
            if let last = state.journal?.indices.last, state.journal?[last].specReplicas == nil {
                state.journal?[last].specReplicas = state.fleet.desiredReplicas
                state.journal?[last].readyReplicas = state.readyPods
                state.journal?[last].pods = pods
            }
            return WorkloadState(
                specReplicas: state.fleet.desiredReplicas,
                readyReplicas: state.readyPods,
                resourceVersion: String(state.resourceVersion),
                pods: pods
            )
        }
    }

    public func writeReplicas(_ replicas: Int, to target: TargetPolicy, resourceVersion: String) async throws
        -> ScaleWriteResult
    {
        world.state.withLock { state in
            guard resourceVersion == String(state.resourceVersion) else { return .conflict }
            state.fleet.scale(to: replicas)
            state.resourceVersion += 1
            if let last = state.journal?.indices.last { state.journal?[last].written = replicas }
            return .written
        }
    }
}
