import Testing

@testable import Simulator

@Suite struct BaselineKEDATests {
    @Test func activatesFromZeroAndCoolsDownToZero() {
        var keda = KEDAModel(targetAverageValue: 100, minReplicaCount: 0, maxReplicaCount: 10)
        // Observations every 15 s; load 50/s in [45, 100).
        let times = (0...30).map { Double($0) * 15 }
        let decisions = runWithInstantPods(&keda, startReplicas: 0, times: times) { time in
            time >= 45 && time < 100 ? 50 : 0
        }
        // Polls run at 0, 30, 60, …: t=45 is skipped although the load is there.
        // t=60: 50 > activationThreshold 0 at 0 replicas: scale to 1.
        // t=90: active, the HPA proposes ceil(50 / 100) = 1: no change; lastActiveTime 90.
        // t=120…390: inactive; 90 + 300 < t fails up to t=390 (strictly before), and the HPA
        //   keeps its minReplicas 1.
        // t=420: 390 < 420: scale to 0. Afterwards nothing is active and nothing changes.
        var expected = [Int?](repeating: nil, count: times.count)
        expected[4] = 1
        expected[28] = 0
        #expect(times[4] == 60)
        #expect(times[28] == 420)
        #expect(decisions == expected)
        #expect(keda.period == 30)
    }

    @Test func activationThresholdIsStrict() {
        var keda = KEDAModel(targetAverageValue: 100, activationThreshold: 5)
        #expect(keda.decide(baselineObservation(time: 0, spec: 0, rate: 5)) == nil)
        #expect(keda.decide(baselineObservation(time: 30, spec: 0, rate: 5.5)) == 1)
    }

    @Test func hpaTakesOverOnceActive() {
        var keda = KEDAModel(targetAverageValue: 100, minReplicaCount: 0, maxReplicaCount: 20)
        #expect(keda.decide(baselineObservation(time: 0, spec: 0, rate: 1_000)) == 1)
        // One replica at 1000/s: ratio 10, proposal 10, limited to max(1 × 2, 1 + 4) = 5.
        #expect(keda.decide(baselineObservation(time: 30, spec: 1, rate: 1_000)) == 5)
        // The +4 is 30 s old, past the 15 s policy period: max(10, 9) = 10.
        #expect(keda.decide(baselineObservation(time: 60, spec: 5, rate: 1_000)) == 10)
    }

    @Test func missingMetricIsNotInactivity() {
        var keda = KEDAModel(targetAverageValue: 100)
        // Never active and replicas above 0 would scale to 0 at once, but an error does not.
        #expect(keda.decide(baselineObservation(time: 0, spec: 2, rate: nil)) == nil)
        #expect(keda.decide(baselineObservation(time: 30, spec: 2, rate: 0)) == 0)
    }
}
