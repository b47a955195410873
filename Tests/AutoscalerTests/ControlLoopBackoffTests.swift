import Foundation
import MetricsClient
import Testing

@testable import Autoscaler

/// Exponential backoff with jitter for a target whose reads keep failing, while another target
/// of the same loop is reconciled every cycle.
@Suite struct ControlLoopBackoffTests {
    typealias F = EngineFixture

    /// The wait after n failures is 15 × 2^(n−1) s, capped at 300 s, stretched by at most 20 %;
    /// none after the first failure.
    @Test func backoffDoublesWithinJitter() {
        #expect(ControlLoop.backoff(failures: 1, interval: 15, target: "a") == 0)
        for failures in 2...12 {
            let base = min(15 * pow(2, Double(failures - 1)), 300)
            let wait = ControlLoop.backoff(failures: failures, interval: 15, target: "Deployment cms/api")
            #expect(wait >= base)
            #expect(wait <= base * 1.2)
        }
    }

    /// Over 40 cycles (600 s) of failing reads, the attempts come at growing gaps: each gap is at
    /// least the backoff's base and at most base × 1.2 plus one interval, and the healthy
    /// target beside it is reconciled in every cycle.
    @Test func failingTargetBacksOffWhileOthersScale() async {
        let broken = TargetPolicy(namespace: "cms", name: "broken", maxReplicas: 10, signals: [F.perReplica(100)])
        let api = TargetPolicy(namespace: "cms", name: "api", maxReplicas: 10, signals: [F.perReplica(100)])
        let harness = LoopHarness(targets: [broken, api])
        harness.scaler.seed(broken, spec: 2)
        harness.scaler.seed(api, spec: 2)
        harness.scaler.failReads(of: broken.identity)
        harness.signals.set(broken, ["queue": F.value(200)])
        harness.signals.set(api, ["queue": F.value(200)])

        var attempts: [Double] = []
        var healthy = 0
        for cycle in 0..<40 {
            let before = harness.scaler.reads.filter { $0 == broken.identity }.count
            let report = await harness.loop.runCycle()
            if harness.scaler.reads.filter({ $0 == broken.identity }).count > before {
                attempts.append(Double(cycle) * 15)
            }
            if report.outcomes[api.identity] == .unchanged(replicas: 2) { healthy += 1 }
            harness.clock.advance(by: .seconds(15))
        }
        #expect(healthy == 40)
        #expect(attempts.prefix(2) == [0, 15])
        for index in 2..<attempts.count {
            let base = min(15 * pow(2, Double(index - 1)), 300)
            let gap = attempts[index] - attempts[index - 1]
            #expect(gap >= base, "gap \(gap) after \(index) failures")
            #expect(gap <= base * 1.2 + 15, "gap \(gap) after \(index) failures")
        }
        // 0, 15, then gaps of at least 30, 60, 120 and 240 s: the sixth attempt is at 480 s or later.
        #expect(attempts.count <= 6)
        #expect(attempts.count >= 5)
    }
}
