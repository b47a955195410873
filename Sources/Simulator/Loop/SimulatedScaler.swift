import Autoscaler
import FleetModel

/// The Deployment's scale subresource, bound to the fleet model: reads give `spec.replicas`
/// and Ready pods from the model, writes scale it at once, with resourceVersion checked as the
/// API server does.
public struct SimulatedScaler: WorkloadScaler {
    public let world: SimulationWorld

    public init(world: SimulationWorld) {
        self.world = world
    }

    public func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
        world.state.withLock { state in
            if let last = state.journal?.indices.last, state.journal?[last].specReplicas == nil {
                state.journal?[last].specReplicas = state.fleet.desiredReplicas
                state.journal?[last].readyReplicas = state.readyPods
            }
            return WorkloadState(
                specReplicas: state.fleet.desiredReplicas,
                readyReplicas: state.readyPods,
                resourceVersion: String(state.resourceVersion)
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
