import Autoscaler
import Foundation
import MetricsClient
import Testing

/// Engine edge cases: unready pods, rate periods, percent rounding, tolerance edges and
/// cycles without a valid signal.
struct EngineEdgeCaseTests {
    typealias Step = EngineFixture.Step

    private static func noScaleDownWindow() -> ScalingBehavior {
        var behavior = ScalingBehavior()
        behavior.scaleDown.stabilizationWindowSeconds = 0
        return behavior
    }

    /// p99 at 6× its target while only 4 of 10 replicas are ready must not remove pods.
    /// The HPA never scales down while the usage ratio is above 1, whatever the ready count.
    @Test func latencyAboveTargetWithUnreadyPodsKeepsCount() {
        let target = EngineFixture.target(
            max: 20,
            signals: [EngineFixture.latency(seconds: 0.3)],
            behavior: Self.noScaleDownWindow()
        )

        // 1.8 / 0.3 = 6, capped at 1.5: ceil(4 × 1.5) = 6, below the current 10.
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["p99": EngineFixture.value(1.8)],
            specReplicas: 10,
            readyReplicas: 4,
            history: EngineFixture.settled,
            now: EngineFixture.at(0)
        )

        #expect(decision.desiredReplicas >= 10, "\(decision.message)")
    }

    /// Utilization 20 % above its target with 4 of 10 replicas ready must not remove pods.
    @Test func utilizationAboveTargetWithUnreadyPodsKeepsCount() {
        let target = EngineFixture.target(
            max: 20,
            signals: [EngineFixture.utilization(fraction: 0.8)],
            behavior: Self.noScaleDownWindow()
        )

        // 0.96 / 0.8 = 1.2, outside the 0.1 tolerance: ceil(4 × 1.2) = 5, below 10.
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["cpu": EngineFixture.value(0.96)],
            specReplicas: 10,
            readyReplicas: 4,
            history: EngineFixture.settled,
            now: EngineFixture.at(0)
        )

        #expect(decision.desiredReplicas >= 10, "\(decision.message)")
    }

    /// Utilization below its target while a rollout surge has more ready pods than
    /// `spec.replicas` must not add pods: a proposal never moves against the usage ratio.
    @Test func utilizationBelowTargetWithSurgePodsKeepsCount() {
        let target = EngineFixture.target(
            max: 20,
            signals: [EngineFixture.utilization(fraction: 0.8)],
            behavior: Self.noScaleDownWindow()
        )

        // 0.6 / 0.8 = 0.75, outside the 0.1 tolerance: ceil(6 × 0.75) = 5, above the current 4.
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["cpu": EngineFixture.value(0.6)],
            specReplicas: 4,
            readyReplicas: 6,
            history: EngineFixture.settled,
            now: EngineFixture.at(0)
        )

        #expect(decision.desiredReplicas == 4, "\(decision.message)")
        #expect(decision.signals.first?.proposal == 4)
    }

    /// With all pods ready the ratio rules still move in both directions.
    @Test(arguments: [(1.2, 12), (0.75, 8)])
    func utilizationWithAllPodsReadyMoves(ratio: Double, expected: Int) {
        let target = EngineFixture.target(
            max: 20,
            signals: [EngineFixture.utilization(fraction: 0.8)],
            behavior: Self.noScaleDownWindow()
        )

        // ceil(10 × 1.2) = 12 and ceil(10 × 0.75) = 8, both within the default rate policies.
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["cpu": EngineFixture.value(ratio * 0.8)],
            specReplicas: 10,
            readyReplicas: 10,
            history: EngineFixture.settled,
            now: EngineFixture.at(0)
        )

        #expect(decision.desiredReplicas == expected, "\(decision.message)")
    }

    /// selectPolicy Min over a 60 s Pods policy and a 15 s Percent policy: each counts
    /// from the replica count at the start of its own period.
    @Test func selectMinWithDifferentPeriods() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.selectPolicy = .min
        behavior.scaleUp.policies = [
            RatePolicy(type: .pods, value: 4, periodSeconds: 60),
            RatePolicy(type: .percent, value: 100, periodSeconds: 15),
        ]
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(1000)], behavior: behavior)
        // ceil(20000 / 1000) = 20 every cycle.
        let depth = ["queue": EngineFixture.value(20000)]
        let steps = [
            // Both periods start at 2: min(2 + 4, 2 × 2) = 4.
            Step(time: 0, outcomes: depth, expected: 4, reason: .scaleUpLimit),
            // Pods: +2 at t=0 is in the 60 s period, start 2, 6. Percent: start 4, 8. Min 6.
            Step(time: 15, outcomes: depth, expected: 6, reason: .scaleUpLimit),
            // Pods: +2 and +2 in the period, start 2, 6. Percent: start 6, 12. Min 6 = current.
            Step(time: 30, outcomes: depth, expected: 6, reason: .scaleUpLimit),
            // Pods: t=0 left the period (60 s old), +2 at t=15 remains, start 4, 8. Percent 12.
            Step(time: 60, outcomes: depth, expected: 8, reason: .scaleUpLimit),
            // Pods: only +2 at t=60 remains, start 6, 10. Percent: start 8, 16. Min 10.
            Step(time: 75, outcomes: depth, expected: 10, reason: .scaleUpLimit),
        ]
        expectTimeline(EngineFixture.run(target, from: 2, steps), steps)
    }

    /// A 10 % scale-down policy truncates as the HPA does: 9 × 0.9 = 8.1 allows 8.
    @Test func percentScaleDownTruncates() {
        var behavior = Self.noScaleDownWindow()
        behavior.scaleDown.policies = [RatePolicy(type: .percent, value: 10, periodSeconds: 60)]
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(1000)], behavior: behavior)
        // ceil(500 / 1000) = 1 every cycle; 500 / (1000 × 9) is far below the tolerance.
        let depth = ["queue": EngineFixture.value(500)]
        let steps = [
            // Start 9: floor(9 × 0.9) = floor(8.1) = 8.
            Step(time: 0, outcomes: depth, expected: 8, reason: .scaleDownLimit),
            // The -1 at t=0 is in the period: start 9 again, limit 8 = current.
            Step(time: 15, outcomes: depth, expected: 8, reason: .scaleDownLimit),
            // t=0 left the 60 s period: start 8, floor(7.2) = 7.
            Step(time: 60, outcomes: depth, expected: 7, reason: .scaleDownLimit),
            // t=60 left the period: start 7, floor(6.3) = 6.
            Step(time: 120, outcomes: depth, expected: 6, reason: .scaleDownLimit),
        ]
        expectTimeline(EngineFixture.run(target, from: 9, steps), steps)
    }

    /// A total exactly at either tolerance edge stays; one item past the upper edge scales.
    @Test(arguments: [(900.0, 10), (1100.0, 10), (1101.0, 12)])
    func perReplicaToleranceEdges(depth: Double, expected: Int) {
        // Reference 100 × 10 = 1000, edges 900 and 1100; 1101 / 100 = 11.01 rounds up to 12.
        let target = EngineFixture.target(
            max: 50,
            signals: [EngineFixture.perReplica(100)],
            behavior: Self.noScaleDownWindow()
        )

        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["queue": EngineFixture.value(depth)],
            specReplicas: 10,
            readyReplicas: 10,
            history: EngineFixture.settled,
            now: EngineFixture.at(0)
        )

        #expect(decision.desiredReplicas == expected, "\(decision.message)")
    }

    /// A guard exactly at its threshold is clear and lets scale-down happen.
    @Test func guardAtThresholdAllowsScaleDown() {
        let target = EngineFixture.target(
            max: 50,
            signals: [EngineFixture.perReplica(100), EngineFixture.guardSignal(fraction: 0.05)],
            behavior: Self.noScaleDownWindow()
        )

        // ceil(300 / 100) = 3; the guard reads 0.05, not above 0.05.
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["queue": EngineFixture.value(300), "errors": EngineFixture.value(0.05)],
            specReplicas: 10,
            readyReplicas: 10,
            history: EngineFixture.settled,
            now: EngineFixture.at(0)
        )

        #expect(decision.desiredReplicas == 3)
        #expect(decision.reason == .scaledDown)
    }

    /// A signal invalid again during its recovery restarts the count: scale-down comes on
    /// the fourth valid cycle after the last invalid one.
    @Test func invalidDuringRecoveryRestartsCount() {
        let target = EngineFixture.target(
            max: 50,
            signals: [EngineFixture.perReplica(100)],
            behavior: Self.noScaleDownWindow()
        )
        let low = ["queue": EngineFixture.value(300)]
        let failed = ["queue": SampleOutcome.failed(reason: "connection refused")]
        let steps = [
            Step(time: 0, outcomes: failed, expected: 10, reason: .metricUnavailable),
            Step(time: 15, outcomes: low, expected: 10, reason: .recoveryBlocksScaleDown),
            Step(time: 30, outcomes: failed, expected: 10, reason: .metricUnavailable),
            Step(time: 45, outcomes: low, expected: 10, reason: .recoveryBlocksScaleDown),
            Step(time: 60, outcomes: low, expected: 10, reason: .recoveryBlocksScaleDown),
            Step(time: 75, outcomes: low, expected: 10, reason: .recoveryBlocksScaleDown),
            // Fourth valid cycle: ceil(300 / 100) = 3; the default -100 % per 15 s allows it.
            Step(time: 90, outcomes: low, expected: 3, reason: .scaledDown),
        ]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// From 0 replicas with only a Percent scale-up policy, the target wakes one pod at a
    /// time and then doubles.
    @Test func percentOnlyWakesFromZero() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.policies = [RatePolicy(type: .percent, value: 100, periodSeconds: 15)]
        let target = EngineFixture.target(
            min: 0,
            max: 100,
            signals: [EngineFixture.perReplica(100)],
            behavior: behavior
        )
        // ceil(5000 / 100) = 50 every cycle.
        let depth = ["queue": EngineFixture.value(5000)]
        let steps = [
            // ceil(0 × 2) = 0, raised to 0 + 1.
            Step(time: 0, outcomes: depth, expected: 1, reason: .scaleUpLimit),
            Step(time: 15, outcomes: depth, expected: 2, reason: .scaleUpLimit),
            Step(time: 30, outcomes: depth, expected: 4, reason: .scaleUpLimit),
        ]
        expectTimeline(EngineFixture.run(target, from: 0, steps), steps)
    }

    /// With a 60 s scale-up window, a cycle with no valid signal must not hold back the
    /// scale-up that follows it. The HPA records no recommendation for a cycle whose
    /// metrics failed, and invalid data is meant to block scale-down only.
    @Test func failedCycleDoesNotStabilizeScaleUp() {
        var behavior = ScalingBehavior()
        behavior.scaleUp.stabilizationWindowSeconds = 60
        let target = EngineFixture.target(max: 50, signals: [EngineFixture.perReplica(100)], behavior: behavior)
        let steps = [
            Step(
                time: 0,
                outcomes: ["queue": .failed(reason: "connection refused")],
                expected: 5,
                reason: .metricUnavailable
            ),
            // ceil(1000 / 100) = 10; the default policies allow max(5 × 2, 5 + 4) = 10.
            Step(time: 15, outcomes: ["queue": EngineFixture.value(1000)], expected: 10, reason: .scaledUp),
        ]
        expectTimeline(EngineFixture.run(target, from: 5, steps), steps)
    }
}
