import Foundation
import MetricsClient
import Testing

@testable import Autoscaler

/// A review of operator controls, outside writers and the decision's observability against the
/// production-operation promises: pause, pin and freeze, conflicting writers, reloads, and the
/// conditions and recorded decisions that must agree with what the loop did.
@Suite struct Review9AutoscalerTests {
    typealias F = EngineFixture

    static func target(name: String = "api", min: Int = 1, max: Int = 20) -> TargetPolicy {
        TargetPolicy(namespace: "cms", name: name, minReplicas: min, maxReplicas: max, signals: [F.perReplica(100)])
    }

    /// Runs one cycle and returns `target`'s outcome.
    static func cycle(_ harness: LoopHarness, _ target: TargetPolicy) async -> TargetOutcome {
        let report = await harness.loop.runCycle()
        return report.outcomes[target.identity] ?? .failed("missing")
    }

    /// Returns the `headroom_condition` value of `condition` with status `"true"` for `target`.
    static func condition(_ harness: LoopHarness, _ target: TargetPolicy, _ condition: String) -> Double? {
        harness.loop.metrics.condition.value(labels: LoopMetrics.labels(target) + [condition, "true"])
    }

    // MARK: - Conditions and recorded decisions agree with a hold

    /// A paused target is not written, and `ControlLoop.writeStoppingReasons` lists `Paused` as a
    /// reason that makes `AbleToScale` false. So after a paused cycle the exported condition must
    /// be `AbleToScale=false`: the metric is 0 on the `"true"` series and 1 on the `"false"` one.
    /// The loop computes the conditions from the engine's decision before the pause is applied,
    /// and the engine never returns `Paused`, so the condition claims the target can scale.
    @Test func pausedTargetIsNotAbleToScale() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.paused: "true"])
        harness.signals.set(target, ["queue": F.value(500)])

        let outcome = await Self.cycle(harness, target)

        #expect(outcome == .held(replicas: 2, reason: .paused))
        #expect(Self.condition(harness, target, "AbleToScale") == 0)
        #expect(
            harness.loop.metrics.condition.value(labels: LoopMetrics.labels(target) + ["AbleToScale", "false"]) == 1
        )
    }

    /// The limiting-rule metric names "the rule that decided" the target's count. While the
    /// policy's freeze keeps the target at 2, that rule is `Frozen`, so the series with
    /// reason `Frozen` is 1 and it is the target's only series.
    @Test func frozenTargetLimitingRuleIsFrozen() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target], controls: PolicyControls(freeze: true))
        harness.scaler.seed(target, spec: 2)
        harness.signals.set(target, ["queue": F.value(500)])

        let outcome = await Self.cycle(harness, target)
        let series = harness.loop.metrics.limitingRule.seriesLabels().filter {
            $0.starts(with: LoopMetrics.labels(target))
        }

        #expect(outcome == .held(replicas: 2, reason: .frozen))
        #expect(series == [LoopMetrics.labels(target) + [DecisionReason.frozen.rawValue]])
    }

    /// `/debug/decisions` returns "the last N decisions per target with every input and reason".
    /// A paused cycle decided to keep 2 for the reason `Paused`, so the newest recorded decision
    /// must record that: reason `Paused` and desired count 2 (the count read, since nothing is written).
    @Test func pausedDecisionIsRecordedAsPaused() async throws {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.paused: "true"])
        harness.signals.set(target, ["queue": F.value(500)])

        _ = await Self.cycle(harness, target)
        let newest = try #require(harness.loop.recentDecisions()[target.identity]?.last)

        #expect(newest.decision.reason == .paused)
        #expect(newest.decision.desiredReplicas == 2)
    }

    /// A pin at 7 while the signals ask for 5 (500 / 100) writes 7. The recorded decision for
    /// that cycle must be the one written: desired 7, reason `Pinned`.
    @Test func pinnedDecisionIsRecordedAsWritten() async throws {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.pinReplicas: "7"])
        harness.signals.set(target, ["queue": F.value(500)])

        let outcome = await Self.cycle(harness, target)
        let newest = try #require(harness.loop.recentDecisions()[target.identity]?.last)

        #expect(outcome == .scaled(from: 2, to: 7))
        #expect(newest.decision.desiredReplicas == 7)
        #expect(newest.decision.reason == .pinned)
        #expect(harness.loop.metrics.desiredReplicas.value(labels: LoopMetrics.labels(target)) == 7)
    }

    /// `headroom_decisions_total` counts "decisions by the rule that decided or limited them",
    /// one decision per target and cycle. Three paused cycles are three decisions, all decided
    /// by `Paused`. The signals' wish to scale up (500 / 100 = 5 from 2) was not carried out, so
    /// no decision may be counted as `ScaledUp`, and the target's counters add up to 3.
    @Test func pausedCyclesCountOneDecisionEach() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.paused: "true"])
        harness.signals.set(target, ["queue": F.value(500)])

        for _ in 0..<3 {
            _ = await Self.cycle(harness, target)
            harness.clock.advance(by: .seconds(15))
        }
        let labels = LoopMetrics.labels(target)
        let decisions = harness.loop.metrics.decisions
        let total = decisions.seriesLabels().filter { $0.starts(with: labels) }.compactMap {
            decisions.value(labels: $0)
        }.reduce(0, +)

        #expect(decisions.value(labels: labels + [DecisionReason.paused.rawValue]) == 3)
        #expect(decisions.value(labels: labels + [DecisionReason.scaledUp.rawValue]) == nil)
        #expect(total == 3)
    }

    /// The README gives `info` one purpose: "start, stop and exactly one record per scaling
    /// action". A cycle whose only action is writing a pin of 7 (from 2) is one scaling action,
    /// so it logs exactly one info record, `scaled`.
    @Test func pinnedWriteLogsOneInfoRecord() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.pinReplicas: "7"])
        harness.signals.set(target, ["queue": F.value(500)])
        let before = harness.messages(at: .info).count

        let outcome = await Self.cycle(harness, target)
        let logged = Array(harness.messages(at: .info).dropFirst(before))

        #expect(outcome == .scaled(from: 2, to: 7))
        #expect(logged == ["scaled"])
    }

    // MARK: - Pin, pause and freeze

    /// A pin of 0 on a target with minReplicas 3 and a pin of 99 with maxReplicas 8 are both kept
    /// within the bounds: the writes are 3 and then 8, and nothing outside 3...8 is ever written.
    @Test func pinNeverWritesOutsideBounds() async {
        let target = Self.target(min: 3, max: 8)
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 5)
        harness.signals.set(target, ["queue": F.value(500)])

        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.pinReplicas: "0"])
        let low = await Self.cycle(harness, target)
        harness.clock.advance(by: .seconds(15))
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.pinReplicas: "99"])
        let high = await Self.cycle(harness, target)

        #expect(low == .scaled(from: 5, to: 3))
        #expect(high == .scaled(from: 3, to: 8))
        #expect(harness.scaler.writes.map(\.replicas).allSatisfy { (3...8).contains($0) })
    }

    /// A pin with `pin-until` exactly at the cycle's time has ended: RFC 3339 end times are
    /// exclusive here as for the pause, so the signals decide (5) and the expiry is announced.
    @Test func pinEndsExactlyAtItsEndTime() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(
            target.identity,
            [TargetAnnotations.pinReplicas: "9", TargetAnnotations.pinUntil: ControlLoop.rfc3339(F.at(0))]
        )
        harness.signals.set(target, ["queue": F.value(500)])

        let outcome = await Self.cycle(harness, target)

        #expect(outcome == .scaled(from: 2, to: 5))
        #expect(harness.events.reasons(for: target.identity).contains(.annotationExpired))
    }

    /// `freeze: true` with `freezeUntil` 60 s in the past does not hold: the target scales from 2
    /// to the 5 the signals ask for, and no HeldByOperator Event is recorded.
    @Test func freezeEndedInThePastDoesNotHold() async {
        let target = Self.target()
        let controls = PolicyControls(freeze: true, freezeUntil: F.at(-60))
        let harness = LoopHarness(targets: [target], controls: controls)
        harness.scaler.seed(target, spec: 2)
        harness.signals.set(target, ["queue": F.value(500)])

        let outcome = await Self.cycle(harness, target)

        #expect(outcome == .scaled(from: 2, to: 5))
        #expect(!harness.events.reasons(for: target.identity).contains(.heldByOperator))
    }

    /// The acceptance criteria state "A global freeze in the policy stops all writes with one
    /// Event". With three targets frozen over two cycles, that is one HeldByOperator Event in
    /// total, not one per target.
    @Test func globalFreezeRecordsOneEvent() async {
        let targets = ["api", "admin", "worker"].map { Self.target(name: $0) }
        let harness = LoopHarness(targets: targets, controls: PolicyControls(freeze: true))
        for target in targets {
            harness.scaler.seed(target, spec: 2)
            harness.signals.set(target, ["queue": F.value(500)])
        }

        _ = await harness.loop.runCycle()
        harness.clock.advance(by: .seconds(15))
        _ = await harness.loop.runCycle()

        #expect(harness.scaler.writes.isEmpty)
        #expect(harness.events.recorded.filter { $0.reason == .heldByOperator }.count == 1)
    }

    /// A person scaled the workload to 0 (autoscaling for it is off), then pinned it at 4 with
    /// `headroom.io/pin-replicas`. The docs describe a pin as "holds the target at that count,
    /// written at once". The pin is the operator's explicit instruction and 4 is within 1...20,
    /// so the cycle writes 4.
    @Test func pinAppliesToTargetScaledToZero() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 0)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.pinReplicas: "4"])
        harness.signals.set(target, ["queue": F.value(500)])

        let outcome = await Self.cycle(harness, target)

        #expect(outcome == .scaled(from: 0, to: 4))
        #expect(harness.scaler.writes.map(\.replicas) == [4])
    }

    /// RFC 3339 times with `Z`, a numeric offset or a fraction of a second. Each value names a
    /// time in 2030, after the test's clock (2027), so each is an active pause with an end time,
    /// not an unreadable annotation. (Lower-case `t` and `z`, which RFC 3339 allows but lets a
    /// specification forbid, are left out: Kubernetes' own time parsing rejects them too.)
    @Test(arguments: [
        "2030-01-01T00:00:00Z",
        "2030-01-01T01:00:00+01:00",
        "2030-01-01T00:00:00.25Z",
    ])
    func pauseAcceptsRFC3339Forms(value: String) {
        let state = ControlLoop.pause(value, now: F.at(0))

        if case .active(let until) = state {
            #expect(until != nil)
        } else {
            Issue.record("\(value) read as \(state), not as an active pause")
        }
    }

    // MARK: - Reload

    /// A reload that changes `cms/api` from a Deployment to a StatefulSet names another object,
    /// so the Deployment's history and series are dropped. The StatefulSet starts fresh: its
    /// history begins at the first cycle after the reload (15 s), so its scale-down waits a
    /// whole window from then.
    @Test func reloadChangingKindDropsHistory() async {
        let deployment = Self.target()
        let statefulSet = TargetPolicy(
            kind: .statefulSet,
            namespace: "cms",
            name: "api",
            maxReplicas: 20,
            signals: [F.perReplica(100)]
        )
        let harness = LoopHarness(targets: [deployment])
        harness.scaler.seed(deployment, spec: 2)
        harness.scaler.seed(statefulSet, spec: 2)
        harness.signals.set(deployment, ["queue": F.value(200)])
        harness.signals.set(statefulSet, ["queue": F.value(200)])

        _ = await Self.cycle(harness, deployment)
        harness.loop.replacePolicy(targets: [statefulSet], databases: [])
        harness.clock.advance(by: .seconds(15))
        _ = await Self.cycle(harness, statefulSet)
        let histories = harness.loop.histories()
        let deploymentSeries = harness.loop.metrics.currentReplicas.seriesLabels().filter {
            $0 == LoopMetrics.labels(deployment)
        }

        #expect(histories.keys.sorted() == [statefulSet.identity])
        #expect(histories[statefulSet.identity]?.startedAt == F.at(15))
        #expect(deploymentSeries.isEmpty)
    }

    /// One target whose reads fail does not stop another in the same cycle: `admin` fails to
    /// read, and `api` still scales from 2 to the 5 its queue of 500 needs.
    @Test func failingTargetDoesNotStopOthers() async {
        let api = Self.target()
        let admin = Self.target(name: "admin")
        let harness = LoopHarness(targets: [api, admin])
        harness.scaler.seed(api, spec: 2)
        harness.scaler.seed(admin, spec: 2)
        harness.scaler.failReads(of: admin.identity)
        harness.signals.set(api, ["queue": F.value(500)])
        harness.signals.set(admin, ["queue": F.value(500)])

        let report = await harness.loop.runCycle()

        #expect(report.outcomes[api.identity] == .scaled(from: 2, to: 5))
        if case .failed = report.outcomes[admin.identity] {
        } else {
            Issue.record("admin: expected a failed read, got \(String(describing: report.outcomes[admin.identity]))")
        }
    }

    // MARK: - Outside writers

    /// A change of spec.replicas made under Headroom's own field manager (`headroom`, such as an
    /// earlier leader's write) is not an override: no OutsideRescale Event, and three such changes
    /// never stop the target.
    @Test func ownFieldManagerIsNotAnOverride() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.signals.set(target, ["queue": F.value(500)])

        var outcomes: [TargetOutcome] = []
        for _ in 0..<4 {
            outcomes.append(await Self.cycle(harness, target))
            harness.scaler.scaleByHand(target.identity, to: 2, manager: "headroom")
            harness.clock.advance(by: .seconds(15))
        }

        #expect(outcomes == Array(repeating: .scaled(from: 2, to: 5), count: 4))
        let reasons = harness.events.reasons(for: target.identity)
        #expect(!reasons.contains(.outsideRescale))
        #expect(!reasons.contains(.conflictingWriter))
    }

    /// Two overrides by `argocd-controller`, then a policy reload that adds an unrelated target
    /// and leaves `cms/api` exactly as it was, then a third override, all within 10 minutes.
    /// The default rule is 3 overrides in 10 minutes, and a reload keeps each target's history, so the
    /// third override stops the target with ConflictingWriter. The loop clears every target's
    /// override count on any reload, so the count starts again at 1.
    @Test func unrelatedReloadKeepsOverrideCount() async {
        let target = Self.target()
        let other = Self.target(name: "admin")
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.seed(other, spec: 2)
        harness.signals.set(target, ["queue": F.value(500)])
        harness.signals.set(other, ["queue": F.value(200)])

        var outcomes: [TargetOutcome] = []
        for cycle in 0..<4 {
            if cycle == 2 { harness.loop.replacePolicy(targets: [target, other], databases: []) }
            outcomes.append(await Self.cycle(harness, target))
            harness.scaler.scaleByHand(target.identity, to: 2, manager: "argocd-controller")
            harness.clock.advance(by: .seconds(15))
        }

        // Cycles 0 to 2 write 5 and each write is overridden. Cycle 3 reads the third override.
        #expect(outcomes[3] == .held(replicas: 2, reason: .conflictingWriter))
        #expect(harness.events.reasons(for: target.identity).contains(.conflictingWriter))
    }

    /// Headroom writes 5 at 0 s, and `argocd-controller` puts 2 back after each of its writes. The
    /// overrides are seen at 15 s, 300 s and 585 s: the first is 570 s old at the third, inside the
    /// 600 s window, so the third stops the target.
    @Test func thirdOverrideInsideWindowStops() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.signals.set(target, ["queue": F.value(500)])

        var outcomes: [TargetOutcome] = []
        for time in [0.0, 15, 300, 585] {
            harness.clock.advance(to: F.at(time))
            outcomes.append(await Self.cycle(harness, target))
            harness.scaler.scaleByHand(target.identity, to: 2, manager: "argocd-controller")
        }

        #expect(outcomes.prefix(3).allSatisfy { $0 == .scaled(from: 2, to: 5) })
        #expect(outcomes[3] == .held(replicas: 2, reason: .conflictingWriter))
    }
}
