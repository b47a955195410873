import Autoscaler
import Testing

/// Checks each decision of a timeline against its step's expected count and reason.
func expectTimeline(
    _ decisions: [Decision],
    _ steps: [EngineFixture.Step],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(decisions.count == steps.count, sourceLocation: sourceLocation)
    for (decision, step) in zip(decisions, steps) {
        #expect(
            decision.desiredReplicas == step.expected,
            "replicas at t=\(step.time): \(decision.message)",
            sourceLocation: sourceLocation
        )
        #expect(
            decision.reason == step.reason,
            "reason at t=\(step.time): \(decision.message)",
            sourceLocation: sourceLocation
        )
    }
}
