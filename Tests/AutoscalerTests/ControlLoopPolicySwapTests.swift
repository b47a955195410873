import Foundation
import MetricsClient
import Synchronization
import Testing

@testable import Autoscaler

/// Replacing the policy between cycles, and a standby that computes but does not write.
@Suite struct ControlLoopPolicySwapTests {
    typealias F = EngineFixture

    static func target(_ name: String, max: Int = 20) -> TargetPolicy {
        TargetPolicy(namespace: "cms", name: name, maxReplicas: max, signals: [F.perReplica(100)])
    }

    /// `api` scales 4 → 2 would be held by the 300 s scale-down window that started with the
    /// loop. A new policy (maxReplicas 30, plus `admin`) applies at the next cycle: `api` keeps
    /// its history, so the window still holds it at 4, and `admin` is reconciled (300 / 100 = 3).
    @Test func newPolicyAppliesNextCycleAndKeepsHistory() async {
        let api = Self.target("api")
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 4)
        harness.signals.set(api, ["queue": F.value(400)])
        await harness.loop.runCycle()

        let admin = Self.target("admin")
        harness.loop.replacePolicy(targets: [Self.target("api", max: 30), admin], databases: [])
        #expect(harness.loop.targets.map(\.name) == ["api"])
        harness.scaler.seed(admin, spec: 1)
        harness.signals.set(api, ["queue": F.value(200)])
        harness.signals.set(admin, ["queue": F.value(300)])
        harness.clock.advance(by: .seconds(15))
        let report = await harness.loop.runCycle()

        #expect(harness.loop.targets.map(\.maxReplicas) == [30, 20])
        #expect(report.outcomes[api.identity] == .unchanged(replicas: 4))
        #expect(report.outcomes[admin.identity] == .scaled(from: 1, to: 3))
        #expect(harness.loop.histories()[api.identity]?.recommendations.count == 2)
    }

    /// A removed target's state is dropped.
    @Test func removedTargetStateIsDropped() async {
        let api = Self.target("api")
        let old = Self.target("old")
        let harness = LoopHarness(targets: [api, old])
        harness.scaler.seed(api, spec: 2)
        harness.scaler.seed(old, spec: 2)
        harness.signals.set(api, ["queue": F.value(200)])
        harness.signals.set(old, ["queue": F.value(200)])
        await harness.loop.runCycle()
        let oldLabels = ["cms", "old", "Deployment"]
        let metrics = harness.loop.metrics
        #expect(metrics.currentReplicas.value(labels: oldLabels) == 2)
        #expect(metrics.signalValue.value(labels: oldLabels + ["queue"]) == 200)
        harness.loop.replacePolicy(targets: [api], databases: [])
        await harness.loop.runCycle()
        #expect(Set(harness.loop.histories().keys) == [api.identity])
        // The removed target leaves no series in any per-target family, while api keeps its own.
        for family in metrics.perTargetFamilies {
            let names = Set(family.seriesLabels().map { $0[1] })
            #expect(!names.contains("old"))
        }
        #expect(metrics.currentReplicas.value(labels: ["cms", "api", "Deployment"]) == 2)
    }

    /// A failed read turns `AbleToScale` false, as the HPA reports after `FailedGetScale`; the
    /// next decision after a good read turns it true again.
    @Test func failedReadClearsAbleToScale() async {
        let api = Self.target("api")
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 2)
        harness.signals.set(api, ["queue": F.value(200)])
        let labels = ["cms", "api", "Deployment", "AbleToScale"]
        let condition = harness.loop.metrics.condition

        await harness.loop.runCycle()
        #expect(condition.value(labels: labels + ["true"]) == 1)
        #expect(condition.value(labels: labels + ["false"]) == 0)

        harness.scaler.failReads(of: api.identity)
        harness.clock.advance(by: .seconds(15))
        await harness.loop.runCycle()
        #expect(condition.value(labels: labels + ["true"]) == 0)
        #expect(condition.value(labels: labels + ["false"]) == 1)
    }

    /// A standby decides every cycle (500 / 100 → 5) but writes neither the scale nor Events;
    /// once it may write, the next cycle scales.
    @Test func standbyComputesWithoutWriting() async {
        let api = Self.target("api")
        let leader = Mutex(false)
        let harness = LoopHarness(targets: [api], mayWrite: { leader.withLock { $0 } })
        harness.scaler.seed(api, spec: 2)
        harness.signals.set(api, ["queue": F.value(500)])

        let standby = await harness.loop.runCycle()
        #expect(standby.outcomes[api.identity] == .wouldScale(from: 2, to: 5))
        #expect(harness.scaler.workload(api.identity)?.specReplicas == 2)
        #expect(harness.events.recorded.isEmpty)
        #expect(harness.messages(at: .info).contains("standby: would scale"))

        leader.withLock { $0 = true }
        harness.clock.advance(by: .seconds(15))
        let leading = await harness.loop.runCycle()
        #expect(leading.outcomes[api.identity] == .scaled(from: 2, to: 5))
        #expect(harness.events.reasons(for: api.identity) == [.successfulRescale])
    }

    /// The decision log keeps the last 20 decisions of each target, oldest first.
    @Test func decisionLogKeepsLastTwenty() async {
        let api = Self.target("api")
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 2)
        harness.signals.set(api, ["queue": F.value(200)])
        for _ in 0..<25 {
            await harness.loop.runCycle()
            harness.clock.advance(by: .seconds(15))
        }
        let entries = harness.loop.recentDecisions()[api.identity] ?? []
        #expect(entries.count == 20)
        // Cycles ran at 0, 15, …, 360 s; the 20 kept are those from 75 s on.
        #expect(entries.first?.time == F.at(75))
        #expect(entries.last?.time == F.at(360))
    }
}
