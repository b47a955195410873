import Autoscaler
import MetricsClient
import Testing

/// Scale-down timelines: stabilization, rate policies, restarts and bounds.
struct ScaleDownTimelineTests {
    typealias Step = EngineFixture.Step

    /// The scale-down window keeps the highest recommendation of the last 300 s.
    @Test func scaleDownWindowTakesMaximum() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)])
        let steps = [
            Step(time: 0, outcomes: ["queue": EngineFixture.value(1000)], expected: 10, reason: .withinTolerance),
            // Proposal 5; the 10 recommended at t=0 is 100 s old.
            Step(time: 100, outcomes: ["queue": EngineFixture.value(500)], expected: 10, reason: .scaleDownStabilized),
            Step(time: 200, outcomes: ["queue": EngineFixture.value(500)], expected: 10, reason: .scaleDownStabilized),
            // t=0 is 301 s old: max over {5, 5} = 5.
            Step(time: 301, outcomes: ["queue": EngineFixture.value(500)], expected: 5, reason: .scaledDown),
        ]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// A Pods policy counts down from the replica count at the start of its period.
    @Test func podsPolicyUsesPeriodStart() {
        var behavior = ScalingBehavior()
        behavior.scaleDown = ScalingRules(
            stabilizationWindowSeconds: 0,
            selectPolicy: .max,
            policies: [RatePolicy(type: .pods, value: 2, periodSeconds: 60)],
            tolerance: 0.1
        )
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)], behavior: behavior)
        let depth = ["queue": EngineFixture.value(100)]
        let steps = [
            // Proposal 1; 10 - 2 = 8.
            Step(time: 0, outcomes: depth, expected: 8, reason: .scaleDownLimit),
            // The -2 at t=0 is in the period: start 8 + 2 = 10, limit 8 = current.
            Step(time: 15, outcomes: depth, expected: 8, reason: .scaleDownLimit),
            Step(time: 45, outcomes: depth, expected: 8, reason: .scaleDownLimit),
            // t=0 left the 60 s period: start 8, limit 6.
            Step(time: 60, outcomes: depth, expected: 6, reason: .scaleDownLimit),
        ]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// selectPolicy Disabled forbids scale-down.
    @Test func scaleDownDisabledHolds() {
        var behavior = ScalingBehavior()
        behavior.scaleDown.selectPolicy = .disabled
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)], behavior: behavior)
        let steps = [
            Step(time: 0, outcomes: ["queue": EngineFixture.value(100)], expected: 10, reason: .scaleDownDisabled)
        ]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// After a restart with no history, scale-down waits one scale-down window; scale-up
    /// does not wait.
    @Test func restartWaitsOneWindowBeforeScaleDown() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)])
        let low = ["queue": EngineFixture.value(300)]
        var steps = stride(from: 0.0, through: 285, by: 15).map {
            // Proposal 3; the current 7 counts as recommended until 300 s after start.
            Step(time: $0, outcomes: low, expected: 7, reason: .scaleDownStabilized)
        }
        // 300 s after start only the recommendations of 3 remain.
        steps.append(Step(time: 300, outcomes: low, expected: 3, reason: .scaledDown))
        expectTimeline(EngineFixture.run(target, from: 7, history: ScalingHistory(), steps), steps)

        // ceil(1000 / 100) = 10; limit max(14, 11) = 11.
        let up = [Step(time: 0, outcomes: ["queue": EngineFixture.value(1000)], expected: 10, reason: .scaledUp)]
        expectTimeline(EngineFixture.run(target, from: 7, history: ScalingHistory(), up), up)
    }

    /// A current count outside the bounds goes straight to the bound.
    @Test(arguments: [
        (25, 20, DecisionReason.currentAboveMaxReplicas),
        (1, 3, .currentBelowMinReplicas),
    ])
    func currentOutsideBoundsGoesToBound(current: Int, expected: Int, reason: DecisionReason) {
        let target = EngineFixture.target(min: 3, max: 20, signals: [EngineFixture.perReplica(100)])
        let steps = [Step(time: 0, outcomes: ["queue": EngineFixture.value(1000)], expected: expected, reason: reason)]
        expectTimeline(EngineFixture.run(target, from: current, steps), steps)
    }

    /// A workload scaled to 0 by hand while minReplicas is 1 is left at 0.
    @Test func scaledToZeroByHandStaysZero() {
        let target = EngineFixture.target(min: 1, max: 4, signals: [EngineFixture.perReplica(100)])
        let steps = [
            Step(time: 0, outcomes: ["queue": EngineFixture.value(1000)], expected: 0, reason: .scalingDisabled),
            Step(time: 15, outcomes: ["queue": EngineFixture.value(1000)], expected: 0, reason: .scalingDisabled),
        ]
        let decisions = EngineFixture.run(target, from: 0, steps)
        expectTimeline(decisions, steps)
        #expect(decisions.allSatisfy { !$0.shouldWrite })
    }

    /// Observe mode computes the same count but never asks for a write or records an event.
    @Test func observeModeNeverWrites() {
        let target = EngineFixture.target(
            max: 20,
            signals: [EngineFixture.perReplica(1000)],
            mode: .observe
        )
        let depth = ["queue": EngineFixture.value(20000)]
        let steps = [
            // As the HPA-default case: 5 at first, and again next cycle because nothing
            // was written and no event counted.
            Step(time: 0, outcomes: depth, expected: 5, reason: .scaleUpLimit),
            Step(time: 15, outcomes: depth, expected: 5, reason: .scaleUpLimit),
        ]
        let decisions = EngineFixture.run(target, from: 1, steps)
        expectTimeline(decisions, steps)
        for decision in decisions {
            #expect(!decision.shouldWrite)
            #expect(decision.limits.last == .observeOnly)
            #expect(decision.history.scaleEvents.isEmpty)
        }
    }

    /// A failed write leaves no scale event in the history meant for that case.
    @Test func historyIfNotWrittenHasNoEvent() {
        let target = EngineFixture.target(max: 20, signals: [EngineFixture.perReplica(1000)])
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["queue": EngineFixture.value(20000)],
            specReplicas: 1,
            readyReplicas: 1,
            history: EngineFixture.settled,
            now: EngineFixture.at(0)
        )
        #expect(decision.history.scaleEvents == [.init(time: EngineFixture.at(0), change: 4)])
        #expect(decision.historyIfNotWritten.scaleEvents.isEmpty)
    }
}
