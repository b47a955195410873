import Autoscaler
import MetricsClient
import Testing

@testable import Autoscaler

/// Scale-up timelines: rate policies, bounds and the bounded latency step.
struct ScaleUpTimelineTests {
    typealias Step = EngineFixture.Step

    /// Queue depth jumps 0 -> 20000 at 1000 per replica, min 1, max 20, HPA default behavior.
    @Test func hpaDefaultsStepOneFiveTenTwenty() {
        let target = EngineFixture.target(max: 20, signals: [EngineFixture.perReplica(1000)])
        let depth = ["queue": EngineFixture.value(20000)]
        let steps = [
            // ceil(20000 / 1000) = 20; limit max(ceil(1 × 2) = 2, 1 + 4 = 5) = 5.
            Step(time: 0, outcomes: depth, expected: 5, reason: .scaleUpLimit),
            // The +4 event at t=0 is 15 s old, outside the 15 s period: start 5,
            // max(10, 9) = 10.
            Step(time: 15, outcomes: depth, expected: 10, reason: .scaleUpLimit),
            // Start 10: max(20, 14) = 20, which is the proposal itself.
            Step(time: 30, outcomes: depth, expected: 20, reason: .scaledUp),
            // 20000 / (1000 × 20) = 1.0: within tolerance.
            Step(time: 45, outcomes: depth, expected: 20, reason: .withinTolerance),
        ]
        expectTimeline(EngineFixture.run(target, from: 1, steps), steps)
    }

    /// The same step with a policy allowing 100 pods per 15 s reaches 20 in one cycle.
    @Test func hundredPodsPolicyReachesTwentyAtOnce() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.policies = [RatePolicy(type: .pods, value: 100, periodSeconds: 15)]
        let target = EngineFixture.target(max: 20, signals: [EngineFixture.perReplica(1000)], behavior: behavior)
        // 1 + 100 = 101 allowed, proposal 20.
        let steps = [Step(time: 0, outcomes: ["queue": EngineFixture.value(20000)], expected: 20, reason: .scaledUp)]
        expectTimeline(EngineFixture.run(target, from: 1, steps), steps)
    }

    /// p99 at 6× its 250 ms target moves by the 1.5 step, not by 6.
    @Test func latencyFarAboveTargetMovesByBoundedStep() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.latency(seconds: 0.25)])
        let p99 = ["p99": EngineFixture.value(1.5)]
        let steps = [
            // 1.5 / 0.25 = 6, capped at 1.5: ceil(4 × 1.5) = 6 (a linear rule would give 24).
            Step(time: 0, outcomes: p99, expected: 6, reason: .scaledUp),
            // ceil(6 × 1.5) = 9.
            Step(time: 15, outcomes: p99, expected: 9, reason: .scaledUp),
            // ceil(9 × 1.5) = 13.5 -> 14.
            Step(time: 30, outcomes: p99, expected: 14, reason: .scaledUp),
        ]
        expectTimeline(EngineFixture.run(target, from: 4, steps), steps)
    }

    /// Latency far below target steps down by at most 1 / 1.5.
    @Test func latencyFarBelowTargetStepsDownBounded() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.latency(seconds: 0.25)])
        // 0.05 / 0.25 = 0.2, floored at 1 / 1.5: ceil(9 / 1.5) = 6.
        let steps = [Step(time: 0, outcomes: ["p99": EngineFixture.value(0.05)], expected: 6, reason: .scaledDown)]
        expectTimeline(EngineFixture.run(target, from: 9, steps), steps)
    }

    /// Queue depth of 2e8, 214748365 and 3e8 at 0.1 per replica saturates at max 50.
    @Test func hugeQueueSaturatesAtMax() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(0.1)])
        let steps = [2.0e8, 214_748_365, 3.0e8, Double.greatestFiniteMagnitude].enumerated().map { index, depth in
            // 2e9, 2147483650, 3e9 and +inf replicas proposed: each clamps to 50.
            Step(
                time: Double(index) * 15,
                outcomes: ["queue": EngineFixture.value(depth)],
                expected: 50,
                reason: .tooManyReplicas
            )
        }
        let decisions = EngineFixture.run(target, from: 50, steps)
        expectTimeline(decisions, steps)
        #expect(decisions[1].signals[0].unboundedProposal == 2_147_483_650)
    }

    /// From 10 replicas the same depth climbs by the rate policy and stops at 50.
    @Test func hugeQueueClimbsByRateToMax() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(0.1)])
        let depth = ["queue": EngineFixture.value(3.0e8)]
        let steps = [
            // Bounded proposal 50; limit max(20, 14) = 20.
            Step(time: 0, outcomes: depth, expected: 20, reason: .scaleUpLimit),
            // Limit max(40, 24) = 40.
            Step(time: 15, outcomes: depth, expected: 40, reason: .scaleUpLimit),
            // Limit max(80, 44) = 80 > 50: the bound decided.
            Step(time: 30, outcomes: depth, expected: 50, reason: .tooManyReplicas),
        ]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// Exactly 10 % above or below the target stays; just beyond it moves.
    @Test(arguments: [
        (1100.0, 10, DecisionReason.withinTolerance),  // 1100 / (100 × 10) = 1.1
        (900.0, 10, .withinTolerance),  // 0.9
        (1101.0, 12, .scaledUp),  // ceil(11.01) = 12
        (899.0, 9, .scaledDown),  // ceil(8.99) = 9
    ])
    func toleranceEdge(depth: Double, expected: Int, reason: DecisionReason) {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)])
        let steps = [Step(time: 0, outcomes: ["queue": EngineFixture.value(depth)], expected: expected, reason: reason)]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// A utilization at 88 % against 80 % is exactly at the 10 % edge and stays.
    @Test func utilizationToleranceEdgeStays() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.utilization(fraction: 0.8)])
        let steps = [
            Step(time: 0, outcomes: ["cpu": EngineFixture.value(0.88)], expected: 10, reason: .withinTolerance)
        ]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// 14 × (0.55 / 0.7) is 11.000000000000002 in Double; the proposal is 11, not 12.
    @Test func proposalRoundingIsIntegerSafe() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.utilization(fraction: 0.7)])
        #expect((14 * (0.55 / 0.7)).rounded(.up) == 12)
        let steps = [Step(time: 0, outcomes: ["cpu": EngineFixture.value(0.55)], expected: 11, reason: .scaledDown)]
        expectTimeline(EngineFixture.run(target, from: 14, steps), steps)
    }

    /// A 10 % policy from 100 replicas allows 110: 100 × 1.1 in Double rounds up to 111.
    @Test func percentPolicyRoundingIsIntegerSafe() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.policies = [RatePolicy(type: .percent, value: 10, periodSeconds: 15)]
        let target = EngineFixture.target(max: 500, signals: [EngineFixture.perReplica(100)], behavior: behavior)
        #expect((100 * 1.1).rounded(.up) == 111)
        // Proposal ceil(20000 / 100) = 200.
        let steps = [
            Step(time: 0, outcomes: ["queue": EngineFixture.value(20000)], expected: 110, reason: .scaleUpLimit)
        ]
        expectTimeline(EngineFixture.run(target, from: 100, steps), steps)
    }

    /// selectPolicy Min takes the smaller of +100 % and +4 pods.
    @Test func selectPolicyMinTakesSmallerChange() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.selectPolicy = .min
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)], behavior: behavior)
        // Proposal 30; limits 20 (Percent) and 14 (Pods): Min gives 14.
        let steps = [Step(time: 0, outcomes: ["queue": EngineFixture.value(3000)], expected: 14, reason: .scaleUpLimit)]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// A scale-up window keeps the count at the lowest recent recommendation.
    @Test func scaleUpWindowTakesMinimum() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.stabilizationWindowSeconds = 60
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)], behavior: behavior)
        let steps = [
            // 200 / 100 = 2 = current.
            Step(time: 0, outcomes: ["queue": EngineFixture.value(200)], expected: 2, reason: .withinTolerance),
            // Proposal 6, but the recommendation 2 from t=0 is within 60 s.
            Step(time: 30, outcomes: ["queue": EngineFixture.value(600)], expected: 2, reason: .scaleUpStabilized),
            // t=0 is now 61 s old; min over {6} = 6; limit max(4, 6) = 6.
            Step(time: 61, outcomes: ["queue": EngineFixture.value(600)], expected: 6, reason: .scaledUp),
        ]
        expectTimeline(EngineFixture.run(target, from: 2, steps), steps)
    }

    /// selectPolicy Disabled forbids scale-up.
    @Test func scaleUpDisabledHolds() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.selectPolicy = .disabled
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)], behavior: behavior)
        let steps = [
            Step(time: 0, outcomes: ["queue": EngineFixture.value(3000)], expected: 10, reason: .scaleUpDisabled)
        ]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// With minReplicas 0 a total wakes the target; a Percent policy still allows one pod.
    @Test func totalWakesTargetFromZero() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.policies = [RatePolicy(type: .percent, value: 100, periodSeconds: 15)]
        let target = EngineFixture.target(min: 0, max: 10, signals: [EngineFixture.perReplica(100)], behavior: behavior)
        let steps = [
            // Nothing queued: ceil(0 / 100) = 0 = current.
            Step(time: 0, outcomes: ["queue": EngineFixture.value(0)], expected: 0, reason: .noChange, ready: 0),
            // ceil(50 / 100) = 1; 0 × 200 % = 0, raised to one pod.
            Step(time: 15, outcomes: ["queue": EngineFixture.value(50)], expected: 1, reason: .scaledUp, ready: 0),
        ]
        expectTimeline(EngineFixture.run(target, from: 0, steps), steps)
    }

    /// Ready replicas are the base of a utilization proposal (4 own pods at 30 % against 80 %).
    @Test func utilizationCountsOwnReadyPods() {
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.utilization(fraction: 0.8)])
        // ceil(4 × 0.30 / 0.80) = ceil(1.5) = 2.
        let steps = [Step(time: 0, outcomes: ["cpu": EngineFixture.value(0.30)], expected: 2, reason: .scaledDown)]
        expectTimeline(EngineFixture.run(target, from: 4, steps), steps)
    }

    /// Target B of the zero-threshold case: depth 1000 at 100 per replica from 5 goes to 10.
    @Test func validTargetScalesBesideRejectedOne() {
        let target = EngineFixture.target(max: 20, signals: [EngineFixture.perReplica(100)])
        // ceil(1000 / 100) = 10; limit max(10, 9) = 10.
        let steps = [Step(time: 0, outcomes: ["queue": EngineFixture.value(1000)], expected: 10, reason: .scaledUp)]
        expectTimeline(EngineFixture.run(target, from: 5, steps), steps)
    }
}
