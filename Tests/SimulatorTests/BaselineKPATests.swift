import Testing

@testable import Simulator

@Suite struct BaselineKPATests {
    /// Runs one KPA tick with `stable` and `panic` requests in flight per Ready pod.
    private func tick(
        _ kpa: inout KPAModel,
        at time: Double,
        spec: Int,
        ready: Int,
        stable: Double,
        panic: Double
    ) -> Int? {
        let windows = [kpa.stableWindow: stable, kpa.panicWindow: panic]
        return kpa.decide(
            baselineObservation(
                time: time,
                spec: spec,
                ready: ready,
                unready: spec - ready,
                rate: 1,
                concurrency: windows
            )
        )
    }

    @Test func panicsHoldsAndLeavesOneStableWindowLater() {
        // Target per pod 10 × 0.7 = 7 requests in flight.
        var kpa = KPAModel(targetConcurrency: 10, minReplicas: 1, maxReplicas: 100)
        #expect(kpa.windows == [6, 60])

        // t=0: 4 pods at 7 each: total 28, ceil(28 / 7) = 4 both ways; 4 / 4 = 1 < 2.
        #expect(tick(&kpa, at: 0, spec: 4, ready: 4, stable: 7, panic: 7) == nil)
        #expect(!kpa.isPanicking)

        // t=2: the panic window doubles: 4 × 14 = 56, ceil(56 / 7) = 8 and 8 / 4 = 2 ≥ 2:
        // panic. Stable 4 × 7.7 = 30.8 gives ceil(4.4) = 5; panic takes max(5, 8) = 8.
        #expect(tick(&kpa, at: 2, spec: 4, ready: 4, stable: 7.7, panic: 14) == 8)
        #expect(kpa.isPanicking)

        // t=4: new pods still starting, the trigger repeats (8 / 4 = 2): panic extended to t=4.
        #expect(tick(&kpa, at: 4, spec: 8, ready: 4, stable: 8, panic: 14) == nil)

        // t=6…64: 8 Ready pods and the load falls to 1 in flight per pod: panic 8 → 2, lower
        // bound floor(8 / 2) = 4, but panic never goes below its maximum 8. The exit test is
        // 4 + 60 < t, false up to t = 64.
        for time in stride(from: 6.0, through: 64, by: 2) {
            #expect(tick(&kpa, at: time, spec: 8, ready: 8, stable: 1, panic: 1) == nil)
            #expect(kpa.isPanicking)
        }

        // t=66: 64 < 66, panic ends. Stable 8 × 1 = 8: ceil(8 / 7) = 2, but at most ÷2 per
        // tick: floor(8 / 2) = 4.
        #expect(tick(&kpa, at: 66, spec: 8, ready: 8, stable: 1, panic: 1) == 4)
        #expect(!kpa.isPanicking)
        // t=68: 4 Ready at 2 each: total 8 → 2, floor(4 / 2) = 2.
        #expect(tick(&kpa, at: 68, spec: 4, ready: 4, stable: 2, panic: 2) == 2)
        // t=70: 2 Ready at 4 each: total 8 → 2: settled.
        #expect(tick(&kpa, at: 70, spec: 2, ready: 2, stable: 4, panic: 4) == nil)
    }

    @Test func tunedLeavesPanicAfterThirtySeconds() {
        var kpa = KPAModel.tuned(targetConcurrency: 10, minReplicas: 1, maxReplicas: 100)
        // Stable window 30 s, panic window 10 % of it: 3 s.
        #expect(kpa.windows == [3, 30])
        #expect(kpa.name == "kpa-tuned")
        #expect(tick(&kpa, at: 2, spec: 4, ready: 4, stable: 7.7, panic: 14) == 8)
        // Last trigger at 2; 2 + 30 < t is first true at t = 34.
        for time in stride(from: 4.0, through: 32, by: 2) {
            #expect(tick(&kpa, at: time, spec: 8, ready: 8, stable: 1, panic: 1) == nil)
        }
        #expect(tick(&kpa, at: 34, spec: 8, ready: 8, stable: 1, panic: 1) == 4)
    }

    @Test func scaleUpRateCapsAtReadyTimesRate() {
        var kpa = KPAModel(targetConcurrency: 10, maxScaleUpRate: 1.5, minReplicas: 1, maxReplicas: 100)
        // Stable total 2 × 35 = 70 → 10 pods, panic the same → 10 / 2 = 5 ≥ 2: panic; both
        // capped at ceil(2 × 1.5) = 3.
        #expect(tick(&kpa, at: 0, spec: 2, ready: 2, stable: 35, panic: 35) == 3)
    }

    @Test func missingWindowIsNoData() {
        var kpa = KPAModel(targetConcurrency: 10, minReplicas: 1, maxReplicas: 100)
        let observation = baselineObservation(time: 0, spec: 2, rate: 10, concurrency: [60: 30])
        #expect(kpa.decide(observation) == nil)
    }

    @Test func scalesToZeroAfterGraceAndBackOnARequest() {
        var kpa = KPAModel(targetConcurrency: 10, minReplicas: 0, maxReplicas: 10)
        // 1 Ready pod, nothing in flight: ceil(0) = 0 and floor(1 / 2) = 0, so the decider
        // wants 0; the 30 s grace starts at t=0 and ends at t=30.
        for time in stride(from: 0.0, through: 28, by: 2) {
            #expect(tick(&kpa, at: time, spec: 1, ready: 1, stable: 0, panic: 0) == nil)
        }
        #expect(tick(&kpa, at: 30, spec: 1, ready: 1, stable: 0, panic: 0) == 0)
        #expect(kpa.decide(baselineObservation(time: 32, spec: 0, rate: 0)) == nil)
        #expect(kpa.decide(baselineObservation(time: 34, spec: 0, rate: 0.5)) == 1)
    }
}
