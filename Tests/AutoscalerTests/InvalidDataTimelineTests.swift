import Autoscaler
import MetricsClient
import Testing

/// Timelines with failed, empty, non-finite, negative and stale samples, and guards.
struct InvalidDataTimelineTests {
    typealias Step = EngineFixture.Step

    /// Prometheus fails for 4 cycles, returns 0 twice after its restart, then 45 (5 per replica).
    @Test(arguments: [
        SampleOutcome.failed(reason: "connection refused"),
        .failed(reason: "HTTP 503"),
        .failed(reason: "timed out after 10s"),
    ])
    func outageThenZerosHoldsNine(failure: SampleOutcome) {
        let target = EngineFixture.target(max: 20, signals: [EngineFixture.perReplica(5)])
        var steps = (0..<4).map {
            Step(time: Double($0) * 15, outcomes: ["queue": failure], expected: 9, reason: .metricUnavailable)
        }
        steps += [
            // ceil(0 / 5) = 0 -> min 1, but the signal has 3 recovery cycles to go.
            Step(time: 60, outcomes: ["queue": EngineFixture.value(0)], expected: 9, reason: .recoveryBlocksScaleDown),
            Step(time: 75, outcomes: ["queue": EngineFixture.value(0)], expected: 9, reason: .recoveryBlocksScaleDown),
            // 45 / (5 × 9) = 1.0: within tolerance, ceil(45 / 5) = 9 anyway.
            Step(time: 90, outcomes: ["queue": EngineFixture.value(45)], expected: 9, reason: .withinTolerance),
        ]
        let decisions = EngineFixture.run(target, from: 9, steps)
        expectTimeline(decisions, steps)
        #expect(decisions[0].signals[0].status == .failed)
    }

    /// Recovery cycles end: the fourth valid cycle after an invalid one may scale down.
    @Test func recoveryCyclesEndAfterThreeValid() {
        var behavior = ScalingBehavior()
        behavior.scaleDown.stabilizationWindowSeconds = 0
        let target = EngineFixture.target(max: 20, signals: [EngineFixture.perReplica(5)], behavior: behavior)
        let low = ["queue": EngineFixture.value(10)]
        let steps = [
            Step(time: 0, outcomes: ["queue": .empty], expected: 9, reason: .metricUnavailable),
            Step(time: 15, outcomes: low, expected: 9, reason: .recoveryBlocksScaleDown),
            Step(time: 30, outcomes: low, expected: 9, reason: .recoveryBlocksScaleDown),
            Step(time: 45, outcomes: low, expected: 9, reason: .recoveryBlocksScaleDown),
            // ceil(10 / 5) = 2.
            Step(time: 60, outcomes: low, expected: 2, reason: .scaledDown),
        ]
        expectTimeline(EngineFixture.run(target, from: 9, steps), steps)
    }

    /// One valid low signal and one failing signal: scale-down is blocked, scale-up is not.
    @Test func invalidSignalBlocksOnlyScaleDown() {
        let target = EngineFixture.target(
            max: 50,
            signals: [EngineFixture.perReplica(100), EngineFixture.latency(seconds: 0.3)]
        )
        let failing = SampleOutcome.failed(reason: "HTTP 503")
        let steps = [
            // Queue proposes ceil(150 / 100) = 2, latency is invalid: stays 10.
            Step(
                time: 0,
                outcomes: ["queue": EngineFixture.value(150), "p99": failing],
                expected: 10,
                reason: .invalidSignalBlocksScaleDown
            ),
            // Queue proposes 15; limit max(20, 14) = 20.
            Step(
                time: 15,
                outcomes: ["queue": EngineFixture.value(1500), "p99": failing],
                expected: 15,
                reason: .scaledUp
            ),
        ]
        expectTimeline(EngineFixture.run(target, from: 10, steps), steps)
    }

    /// Ten minutes of empty results hold 30 replicas; empty is no data, not 0.
    @Test func emptyResultsHold() {
        let target = EngineFixture.target(min: 3, max: 50, signals: [EngineFixture.perReplica(100)])
        let steps = (0..<40).map {
            Step(time: Double($0) * 15, outcomes: ["queue": .empty], expected: 30, reason: .metricUnavailable)
        }
        let decisions = EngineFixture.run(target, from: 30, steps)
        expectTimeline(decisions, steps)
        #expect(decisions.allSatisfy { $0.signals[0].status == .empty })
    }

    /// A signal configured with onEmpty zero reads an empty result as 0.
    @Test func emptyAsZeroWhenConfigured() {
        var signal = EngineFixture.perReplica(100)
        signal.onEmpty = .zero
        let target = EngineFixture.target(min: 3, max: 50, signals: [signal])
        // ceil(0 / 100) = 0 -> min 3.
        let steps = [Step(time: 0, outcomes: ["queue": .empty], expected: 3, reason: .tooFewReplicas)]
        expectTimeline(EngineFixture.run(target, from: 30, steps), steps)
    }

    /// NaN from a ratio and a quantile and +Inf from a third signal: all invalid, hold 6.
    @Test func nonFiniteSamplesHold() {
        let target = EngineFixture.target(
            max: 20,
            signals: [
                EngineFixture.utilization("ratio", fraction: 0.8),
                EngineFixture.latency("quantile", seconds: 0.3),
                EngineFixture.perReplica(100, name: "rate"),
            ]
        )
        let outcomes: [String: SampleOutcome] = [
            "ratio": .nonFinite(.nan),
            "quantile": .value(.nan, age: nil),
            "rate": .value(.infinity, age: nil),
        ]
        let decisions = EngineFixture.run(
            target,
            from: 6,
            [Step(time: 0, outcomes: outcomes, expected: 6, reason: .metricUnavailable)]
        )
        #expect(decisions[0].desiredReplicas == 6)
        #expect(decisions[0].reason == .metricUnavailable)
        #expect(decisions[0].signals.map(\.status) == [.nonFinite, .nonFinite, .nonFinite])
    }

    /// A negative depth is invalid; the next valid 59000 is within tolerance of 1194 × 50.
    @Test func negativeDepthHoldsThenToleranceKeeps() {
        let target = EngineFixture.target(min: 50, max: 2500, signals: [EngineFixture.perReplica(50)])
        let steps = [
            Step(
                time: 0,
                outcomes: ["queue": EngineFixture.value(-4.53e6)],
                expected: 1194,
                reason: .metricUnavailable
            ),
            Step(time: 15, outcomes: ["queue": .negative(-4.53e6)], expected: 1194, reason: .metricUnavailable),
            // 59000 / (50 × 1194) = 0.988: within tolerance (ceil(59000 / 50) = 1180).
            Step(time: 30, outcomes: ["queue": EngineFixture.value(5.9e4)], expected: 1194, reason: .withinTolerance),
        ]
        let decisions = EngineFixture.run(target, from: 1194, steps)
        expectTimeline(decisions, steps)
        #expect(decisions[0].signals[0].status == .negative)
    }

    /// Stale, missing and ambiguous outcomes are invalid; no ready replica invalidates a ratio.
    @Test func staleMissingAmbiguousAndUnreadyHold() {
        let target = EngineFixture.target(max: 20, signals: [EngineFixture.utilization(fraction: 0.5)])
        let cases: [([String: SampleOutcome], Int, SignalStatus)] = [
            (["cpu": .value(0.1, age: .seconds(121))], 6, .stale),
            ([:], 6, .missing),
            (["cpu": .ambiguous(seriesCount: 2)], 6, .ambiguous),
            (["cpu": EngineFixture.value(0.1)], 0, .noReadyReplicas),
        ]
        for (outcomes, ready, status) in cases {
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: outcomes,
                specReplicas: 6,
                readyReplicas: ready,
                history: EngineFixture.settled,
                now: EngineFixture.at(0)
            )
            #expect(decision.desiredReplicas == 6, "\(status)")
            #expect(decision.reason == .metricUnavailable, "\(status)")
            #expect(decision.signals[0].status == status)
        }
    }

    /// A 5xx guard above 5 % blocks scale-down for as long as it lasts and never adds replicas.
    @Test func guardAboveThresholdBlocksScaleDown() {
        let target = EngineFixture.target(
            max: 50,
            signals: [EngineFixture.perReplica(100), EngineFixture.guardSignal(fraction: 0.05)]
        )
        var steps = (0..<20).map {
            // Queue drops to 200 (proposal 2) while 45 % of responses are 5xx.
            Step(
                time: Double($0) * 15,
                outcomes: ["queue": EngineFixture.value(200), "errors": EngineFixture.value(0.45)],
                expected: 20,
                reason: .guardBlocksScaleDown
            )
        }
        // Load back at 2000 = 20 × 100 with the guard clear: within tolerance.
        steps.append(
            Step(
                time: 300,
                outcomes: ["queue": EngineFixture.value(2000), "errors": EngineFixture.value(0.05)],
                expected: 20,
                reason: .withinTolerance
            )
        )
        expectTimeline(EngineFixture.run(target, from: 20, steps), steps)
    }

    /// A guard does not stop scale-up, and an invalid guard blocks scale-down.
    @Test func guardLetsScaleUpAndInvalidGuardBlocks() {
        let target = EngineFixture.target(
            max: 50,
            signals: [EngineFixture.perReplica(100), EngineFixture.guardSignal(fraction: 0.05)]
        )
        let steps = [
            // Proposal 30; limit max(40, 24) = 40.
            Step(
                time: 0,
                outcomes: ["queue": EngineFixture.value(3000), "errors": EngineFixture.value(0.45)],
                expected: 30,
                reason: .scaledUp
            ),
            Step(
                time: 15,
                outcomes: ["queue": EngineFixture.value(200), "errors": .nonFinite(.nan)],
                expected: 30,
                reason: .guardUnavailableBlocksScaleDown
            ),
        ]
        expectTimeline(EngineFixture.run(target, from: 20, steps), steps)
    }
}
