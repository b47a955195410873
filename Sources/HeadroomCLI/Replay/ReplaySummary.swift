import Autoscaler
import Foundation

/// The figures of one target's replay, for the text summary.
struct ReplaySummary: Equatable {
    var steps = 0
    /// Steps without a replicas value, which were not decided.
    var stepsWithoutReplicas = 0
    /// Steps where the recommendation differs from the count the workload had next.
    var differingSteps = 0
    var wouldScaleUp = 0
    var wouldScaleDown = 0
    /// Steps at which the actual count changed from the previous known one.
    var actualChanges = 0
    /// How often each reason decided a step.
    var reasons: [DecisionReason: Int] = [:]
    /// Replica-seconds over the decided steps: actual counts and Headroom's recommendations.
    var actualReplicaSeconds = 0.0
    var recommendedReplicaSeconds = 0.0
    var peakActual: Int?
    var peakRecommended: Int?

    init(_ replay: [ReplayStep], stepSeconds: Double) {
        var previous: Int?
        for step in replay {
            steps += 1
            guard let actual = step.actualReplicas, let decision = step.decision else {
                stepsWithoutReplicas += 1
                continue
            }
            if let previous, previous != actual { actualChanges += 1 }
            previous = actual
            if step.differs { differingSteps += 1 }
            if decision.desiredReplicas > actual { wouldScaleUp += 1 }
            if decision.desiredReplicas < actual { wouldScaleDown += 1 }
            reasons[decision.reason, default: 0] += 1
            actualReplicaSeconds += Double(actual) * stepSeconds
            recommendedReplicaSeconds += Double(decision.desiredReplicas) * stepSeconds
            peakActual = max(peakActual ?? actual, actual)
            peakRecommended = max(peakRecommended ?? decision.desiredReplicas, decision.desiredReplicas)
        }
    }

    /// Indented lines for the end of a target's report.
    var text: String {
        let reasonList = reasons.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }
            .map { "\($0.key.rawValue) \($0.value)" }
            .joined(separator: ", ")
        let hours = { (seconds: Double) in String(format: "%.1f", seconds / 3600) }
        return """
              steps: \(steps) (\(stepsWithoutReplicas) without a replicas value)
              differing from what happened next: \(differingSteps)
              Headroom would scale up at \(wouldScaleUp) steps, down at \(wouldScaleDown); \
            the actual count changed \(actualChanges) times
              replica-hours: actual \(hours(actualReplicaSeconds)), Headroom \(hours(recommendedReplicaSeconds))
              peak replicas: actual \(peakActual.map(String.init) ?? "-"), Headroom \(peakRecommended.map(String.init) ?? "-")
              reasons: \(reasonList.isEmpty ? "-" : reasonList)

            """
    }
}
