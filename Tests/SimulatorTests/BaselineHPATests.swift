import Testing

@testable import Simulator

@Suite struct BaselineHPATests {
    @Test func defaultBehaviorDoublesOrAddsFourPodsPerSync() {
        var hpa = HPAModel(targetAverageValue: 100, minReplicas: 2, maxReplicas: 60)
        let syncs: [Double] = [0, 15, 30, 45, 60, 75, 90]
        let decisions = runWithInstantPods(&hpa, startReplicas: 2, times: syncs) { $0 < 15 ? 60 : 6_000 }
        // t=0: 60/s over 2 × 100 is a ratio of 0.3, proposal ceil(0.6) = 1, but the first
        //   sync seeds the 300 s scale-down window with the current 2: no change.
        // t=15: proposal ceil(6000 / 100) = 60; limit max(2 × 2 = 4, 2 + 4 = 6) = 6 (4 pods
        //   beat 100 % while fewer than 4 replicas run).
        // t=30: the +4 of t=15 is not after 30 − 15, so the period starts at 6:
        //   max(12, 10) = 12. t=45: max(24, 16) = 24. t=60: max(48, 28) = 48.
        // t=75: max(96, 52) = 96, above maxReplicas 60: 60. t=90: ratio 6000/6000 = 1.
        #expect(decisions == [nil, 6, 12, 24, 48, 60, nil])
    }

    @Test func scaleDownWaitsForTheStabilizationWindow() {
        var hpa = HPAModel(targetAverageValue: 100, minReplicas: 1, maxReplicas: 10)
        let syncs = (0...21).map { Double($0) * 15 }
        let decisions = runWithInstantPods(&hpa, startReplicas: 4, times: syncs) { $0 < 15 ? 400 : 100 }
        // t=0 recommends 4 (ratio 1). From t=15 the proposal is ceil(100 / 100) = 1, but the
        // highest recommendation after t − 300 is 4 until t = 300, when t=0 drops out; 100 %
        // per 15 s allows floor(4 × 0) = 0, so minReplicas 1 wins.
        let expected: [Int?] = Array(repeating: nil, count: 20) + [1, nil]
        #expect(decisions == expected)
        #expect(syncs[20] == 300)
    }

    @Test(arguments: [
        // 2 × 35 = 70 requests/s on target; ±10 % is 63 and 77, inside.
        (rate: 77.0, expected: Int?.none),
        (rate: 63.0, expected: Int?.none),
        // 78 / 70 = 1.114: ceil(78 / 35 = 2.23) = 3.
        (rate: 78.0, expected: Int?.some(3)),
        // 62 / 70 = 0.886: ceil(62 / 35 = 1.77) = 2, the current count.
        (rate: 62.0, expected: Int?.none),
    ])
    func toleranceIsInclusive(rate: Double, expected: Int?) {
        var hpa = HPAModel(targetAverageValue: 35, minReplicas: 1, maxReplicas: 10)
        #expect(hpa.decide(baselineObservation(time: 0, spec: 2, rate: rate)) == expected)
    }

    @Test func unreadyPodsCountAsReplicasForExternalMetrics() {
        var hpa = HPAModel(targetAverageValue: 100, minReplicas: 1, maxReplicas: 10)
        // 440 / (100 × 4 pods, 2 of them starting) = 1.1: inside the tolerance. Counting only
        // the 2 Ready pods would give 2.2 and ceil(4.4) = 5.
        let observation = baselineObservation(time: 0, spec: 4, ready: 2, unready: 2, rate: 440)
        #expect(hpa.decide(observation) == nil)
    }

    @Test func missingMetricLeavesReplicas() {
        var hpa = HPAModel(targetAverageValue: 100, minReplicas: 1, maxReplicas: 10)
        #expect(hpa.decide(baselineObservation(time: 0, spec: 3, rate: nil)) == nil)
        // The failed sync recorded nothing: 900/s next sync is ceil(9) = 9, limited to
        // max(3 × 2, 3 + 4) = 7.
        #expect(hpa.decide(baselineObservation(time: 15, spec: 3, rate: 900)) == 7)
    }

    @Test func syncsOnlyOncePerPeriod() {
        var hpa = HPAModel(targetAverageValue: 100, minReplicas: 1, maxReplicas: 10)
        #expect(hpa.decide(baselineObservation(time: 0, spec: 2, rate: 200)) == nil)
        // 5 s later is not a sync, whatever the metric value.
        #expect(hpa.decide(baselineObservation(time: 5, spec: 2, rate: 900)) == nil)
        #expect(hpa.period == 15)
    }

    @Test func tunedScalesUpTenfoldAndDownAfterSixtySeconds() {
        var up = HPAModel.tuned(targetAverageValue: 100, minReplicas: 2, maxReplicas: 60)
        let upDecisions = runWithInstantPods(&up, startReplicas: 2, times: [0, 15, 30, 45]) {
            $0 < 15 ? 60 : 6_000
        }
        // t=15: max(ceil(2 × 10) = 20, 2 + 4 = 6) = 20. t=30: max(200, 24) capped at 60.
        #expect(upDecisions == [nil, 20, 60, nil])
        #expect(up.name == "hpa-tuned")

        var down = HPAModel.tuned(targetAverageValue: 100, minReplicas: 1, maxReplicas: 10)
        let downDecisions = runWithInstantPods(&down, startReplicas: 4, times: [0, 15, 30, 45, 60, 75]) {
            $0 < 15 ? 400 : 100
        }
        // The 4 recommended at t=0 stops counting when 0 is no longer after t − 60: t = 60.
        #expect(downDecisions == [nil, nil, nil, nil, 1, nil])
    }
}
