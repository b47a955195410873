import Autoscaler
import Foundation

/// A controller that acts on the fleet at each period of a run.
protocol SimulatedController: Sendable {
    /// True when the controller reads the in-flight averages, which cost a snapshot per tick.
    var needsConcurrency: Bool { get }
    /// Runs one period at model second `time`.
    mutating func control(at time: Double, world: SimulationWorld, concurrency: [Double: Double]) async
}

/// Headroom: the daemon's control loop, one `runCycle()` per period on the manual clock.
struct HeadroomController: SimulatedController {
    let loop: ControlLoop
    let clock: ManualClock
    let epoch: Date

    var needsConcurrency: Bool { false }

    func control(at time: Double, world: SimulationWorld, concurrency: [Double: Double]) async {
        clock.advance(to: epoch.addingTimeInterval(time))
        await loop.runCycle()
    }
}

/// A baseline autoscaler, fed the observation every model reads. Its result is held to the
/// scenario's replica bounds, as a HorizontalPodAutoscaler's minReplicas and maxReplicas would.
struct BaselineController: SimulatedController {
    var autoscaler: any SimulatedAutoscaler
    let bounds: ClosedRange<Int>
    let rateWindow: Double

    var needsConcurrency: Bool { true }

    mutating func control(at time: Double, world: SimulationWorld, concurrency: [Double: Double]) async {
        let observation = world.state.withLock { state in
            SimulatedObservation(
                time: time,
                specReplicas: state.fleet.desiredReplicas,
                readyPods: state.readyPods,
                unreadyPods: state.unreadyPods,
                requestRate: state.prometheus.requestRate(range: rateWindow, at: time),
                concurrency: concurrency
            )
        }
        guard let wanted = autoscaler.decide(observation) else { return }
        let replicas = min(max(wanted, bounds.lowerBound), bounds.upperBound)
        world.withFleet { fleet in
            if replicas != fleet.desiredReplicas { fleet.scale(to: replicas) }
        }
    }
}
