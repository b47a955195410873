@testable import Simulator

/// Builds an observation with `ready` Ready pods (all of `spec` by default).
func baselineObservation(
    time: Double,
    spec: Int,
    ready: Int? = nil,
    unready: Int = 0,
    rate: Double?,
    concurrency: [Double: Double] = [:]
) -> SimulatedObservation {
    SimulatedObservation(
        time: time,
        specReplicas: spec,
        readyPods: ready ?? spec,
        unreadyPods: unready,
        requestRate: rate,
        concurrency: concurrency
    )
}

/// Runs `model` at `times` with every pod Ready at once, applying each decision to
/// `spec.replicas`, and returns the decisions (nil: no change).
func runWithInstantPods<Model: SimulatedAutoscaler>(
    _ model: inout Model,
    startReplicas: Int,
    times: [Double],
    rate: (Double) -> Double?
) -> [Int?] {
    var spec = startReplicas
    var decisions: [Int?] = []
    for time in times {
        let decision = model.decide(baselineObservation(time: time, spec: spec, rate: rate(time)))
        if let decision { spec = decision }
        decisions.append(decision)
    }
    return decisions
}
