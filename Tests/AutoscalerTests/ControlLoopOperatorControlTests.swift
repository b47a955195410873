import Foundation
import MetricsClient
import Testing

@testable import Autoscaler

/// Pause and pin annotations, the policy freeze, outside writers and HPAs, cycle by cycle.
@Suite struct ControlLoopOperatorControlTests {
    typealias F = EngineFixture

    static func target(mode: TargetMode = .scale) -> TargetPolicy {
        TargetPolicy(
            namespace: "cms",
            name: "api",
            minReplicas: 1,
            maxReplicas: 20,
            mode: mode,
            signals: [F.perReplica(100)]
        )
    }

    /// Runs `count` cycles 15 s apart and returns each outcome.
    static func cycles(_ harness: LoopHarness, _ target: TargetPolicy, count: Int) async -> [TargetOutcome] {
        var outcomes: [TargetOutcome] = []
        for _ in 0..<count {
            let report = await harness.loop.runCycle()
            outcomes.append(report.outcomes[target.identity] ?? .failed("missing"))
            harness.clock.advance(by: .seconds(15))
        }
        return outcomes
    }

    /// `headroom.io/paused: "true"` keeps the count at 2 although 500 / 100 requests 5, with
    /// one HeldByOperator Event over three cycles; removing it lets the next cycle scale.
    @Test func pauseHoldsUntilRemoved() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.paused: "true"])
        harness.signals.set(target, ["queue": F.value(500)])

        let held = await Self.cycles(harness, target, count: 3)
        #expect(held == Array(repeating: .held(replicas: 2, reason: .paused), count: 3))
        #expect(harness.events.reasons(for: target.identity) == [.heldByOperator])

        harness.scaler.setAnnotations(target.identity, [:])
        let resumed = await Self.cycles(harness, target, count: 1)
        #expect(resumed == [.scaled(from: 2, to: 5)])
    }

    /// A pause until 30 s after the epoch stops writes in the cycles at 0 and 15 s; at 30 s it has
    /// expired, is ignored (not deleted) and announced once.
    @Test func pauseUntilTimeExpires() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        let until = ControlLoop.rfc3339(F.at(30))
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.paused: until])
        harness.signals.set(target, ["queue": F.value(500)])

        let outcomes = await Self.cycles(harness, target, count: 4)
        #expect(outcomes[0] == .held(replicas: 2, reason: .paused))
        #expect(outcomes[1] == .held(replicas: 2, reason: .paused))
        #expect(outcomes[2] == .scaled(from: 2, to: 5))
        #expect(
            harness.events.reasons(for: target.identity) == [.heldByOperator, .annotationExpired, .successfulRescale]
        )
        #expect(harness.scaler.workload(target.identity)?.annotations[TargetAnnotations.paused] == until)
    }

    /// A pin at 7 until 30 s is written at once and held while the signals ask for 2; a pin at
    /// 50 is held at maxReplicas 20. After the end time the signals decide again (down to 2
    /// after the 300 s window, so here the count stays 7 within it).
    @Test func pinWritesCountWithinBounds() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 3)
        harness.scaler.setAnnotations(
            target.identity,
            [TargetAnnotations.pinReplicas: "7", TargetAnnotations.pinUntil: ControlLoop.rfc3339(F.at(30))]
        )
        harness.signals.set(target, ["queue": F.value(200)])
        let pinned = await Self.cycles(harness, target, count: 3)
        #expect(pinned[0] == .scaled(from: 3, to: 7))
        #expect(pinned[1] == .held(replicas: 7, reason: .pinned))
        #expect(pinned[2] == .unchanged(replicas: 7))
        #expect(harness.events.reasons(for: target.identity).contains(.annotationExpired))

        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.pinReplicas: "50"])
        let capped = await Self.cycles(harness, target, count: 1)
        #expect(capped == [.scaled(from: 7, to: 20)])
    }

    /// A valid pin count with an unreadable end time: the Event names the end time as the bad
    /// value, with an example, not the count.
    @Test func invalidPinEndNamesTheEnd() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(
            target.identity,
            [TargetAnnotations.pinReplicas: "7", TargetAnnotations.pinUntil: "2026-13-01"]
        )
        harness.signals.set(target, ["queue": F.value(500)])
        _ = await Self.cycles(harness, target, count: 1)
        let message = harness.events.recorded.first { $0.reason == .invalidAnnotation }?.message
        #expect(
            message
                == "headroom.io/pin-until=2026-13-01 is not an RFC 3339 time such as 2026-12-24T14:00:00Z; "
                + "the pin is ignored until the annotation is fixed"
        )
    }

    /// An unreadable annotation is ignored with one InvalidAnnotation Event.
    @Test func invalidAnnotationIsIgnored() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.paused: "tomorrow"])
        harness.signals.set(target, ["queue": F.value(500)])
        let outcomes = await Self.cycles(harness, target, count: 2)
        #expect(outcomes[0] == .scaled(from: 2, to: 5))
        #expect(harness.events.recorded.filter { $0.reason == .invalidAnnotation }.count == 1)
        #expect(harness.events.recorded.first { $0.reason == .invalidAnnotation }?.message.contains("tomorrow") == true)
    }

    /// The policy's freeze stops writes to every target. It is announced by one Event in all,
    /// on the policy's first target, which with one target is that target's only Event.
    @Test func freezeHoldsEveryTarget() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target], controls: PolicyControls(freeze: true))
        harness.scaler.seed(target, spec: 2)
        harness.signals.set(target, ["queue": F.value(500)])
        let outcomes = await Self.cycles(harness, target, count: 3)
        #expect(outcomes == Array(repeating: .held(replicas: 2, reason: .frozen), count: 3))
        #expect(harness.events.reasons(for: target.identity) == [.heldByOperator])
    }

    /// A GitOps-like writer puts spec.replicas back to 2 after each of Headroom's writes of 5.
    /// The first two overrides are reported as OutsideRescale; the third stops Headroom with
    /// ConflictingWriter, after which it writes nothing. A policy reload lifts the stop.
    @Test func repeatedOverridesStopWrites() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.signals.set(target, ["queue": F.value(500)])
        var outcomes: [TargetOutcome] = []
        for _ in 0..<5 {
            let report = await harness.loop.runCycle()
            outcomes.append(report.outcomes[target.identity] ?? .failed("missing"))
            harness.scaler.scaleByHand(target.identity, to: 2, manager: "argocd-controller")
            harness.clock.advance(by: .seconds(15))
        }
        #expect(outcomes[0] == .scaled(from: 2, to: 5))
        #expect(outcomes[1] == .scaled(from: 2, to: 5))
        #expect(outcomes[2] == .scaled(from: 2, to: 5))
        #expect(outcomes[3] == .held(replicas: 2, reason: .conflictingWriter))
        #expect(outcomes[4] == .held(replicas: 2, reason: .conflictingWriter))
        let reasons = harness.events.reasons(for: target.identity).filter { $0 != .successfulRescale }
        #expect(reasons == [.outsideRescale, .outsideRescale, .conflictingWriter])
        #expect(
            harness.events.recorded.last { $0.reason == .conflictingWriter }?.message.contains("argocd-controller")
                == true
        )

        harness.loop.replacePolicy(targets: [target], databases: [])
        let resumed = await Self.cycles(harness, target, count: 1)
        #expect(resumed == [.scaled(from: 2, to: 5)])
    }

    /// The outside-writer tracking survives a restart through the saved histories: a new loop
    /// restored from the old one's histories keeps the ConflictingWriter stop, and one restored
    /// after two overrides stops at the third, as the first loop would have.
    @Test func restoredHistoryKeepsWriterTracking() async {
        let target = Self.target()
        let first = LoopHarness(targets: [target])
        first.scaler.seed(target, spec: 2)
        first.signals.set(target, ["queue": F.value(500)])
        for _ in 0..<2 {
            await first.loop.runCycle()
            first.scaler.scaleByHand(target.identity, to: 2, manager: "argocd-controller")
            first.clock.advance(by: .seconds(15))
        }
        // The second write of 5 is recorded as the last written count; the second override waits
        // for the next read.
        #expect(first.loop.histories()[target.identity]?.outsideWriters.overrides.count == 1)
        #expect(first.loop.histories()[target.identity]?.outsideWriters.lastWritten == 5)
        #expect(first.loop.histories()[target.identity]?.lastScaleTime == EngineFixture.epoch.addingTimeInterval(15))

        // While the process restarts, the writer puts the count back to 2 once more.
        let restarted = LoopHarness(targets: [target], clock: ManualClock(now: first.clock.now))
        restarted.scaler.seed(target, spec: 5)
        restarted.scaler.scaleByHand(target.identity, to: 2, manager: "argocd-controller")
        restarted.signals.set(target, ["queue": F.value(500)])
        restarted.loop.restore(histories: first.loop.histories())
        var outcomes: [TargetOutcome] = []
        for _ in 0..<3 {
            outcomes.append(await restarted.loop.runCycle().outcomes[target.identity] ?? .failed("missing"))
            restarted.scaler.scaleByHand(target.identity, to: 2, manager: "argocd-controller")
            restarted.clock.advance(by: .seconds(15))
        }
        // Read 1 finds the second override (2 of 3) and writes 5. Read 2 finds the third and stops.
        #expect(outcomes[0] == .scaled(from: 2, to: 5))
        #expect(outcomes[1] == .held(replicas: 2, reason: .conflictingWriter))
        #expect(outcomes[2] == .held(replicas: 2, reason: .conflictingWriter))

        let again = LoopHarness(targets: [target], clock: ManualClock(now: restarted.clock.now))
        again.scaler.seed(target, spec: 2)
        again.signals.set(target, ["queue": F.value(500)])
        again.loop.restore(histories: restarted.loop.histories())
        let afterRestart = await again.loop.runCycle().outcomes[target.identity]
        #expect(afterRestart == .held(replicas: 2, reason: .conflictingWriter))
    }

    /// Overrides spread wider than the 600 s window never add up to three.
    @Test func overridesOutsideWindowDoNotStop() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.signals.set(target, ["queue": F.value(500)])
        var last: TargetOutcome?
        for _ in 0..<4 {
            last = await harness.loop.runCycle().outcomes[target.identity]
            harness.scaler.scaleByHand(target.identity, to: 2, manager: "argocd-controller")
            harness.clock.advance(by: .seconds(301))
        }
        #expect(last == .scaled(from: 2, to: 5))
    }

    /// A target an HPA scales is refused with one Event naming the HPA, unless it only observes.
    @Test func targetScaledByHPAIsRefused() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 2)
        harness.scaler.setAutoscaler(target.identity, "api-hpa")
        harness.signals.set(target, ["queue": F.value(500)])
        let outcomes = await Self.cycles(harness, target, count: 2)
        #expect(outcomes == Array(repeating: .held(replicas: 2, reason: .scaledByHPA), count: 2))
        #expect(harness.events.reasons(for: target.identity) == [.conflictingHPA])
        #expect(harness.events.recorded.first?.message.contains("HorizontalPodAutoscaler api-hpa") == true)

        let observer = Self.target(mode: .observe)
        let watching = LoopHarness(targets: [observer])
        watching.scaler.seed(observer, spec: 2)
        watching.scaler.setAutoscaler(observer.identity, "api-hpa")
        watching.signals.set(observer, ["queue": F.value(500)])
        let observed = await Self.cycles(watching, observer, count: 1)
        #expect(observed == [.wouldScale(from: 2, to: 5)])
    }

    /// A freeze until 600 s over `api` and `admin` records one HeldByOperator Event, on `api`,
    /// the policy's first target, at 0 s and none at 15 s. A reload that moves the end to 900 s
    /// is a new freeze setting, so the cycle at 30 s records a second Event, again on `api`.
    @Test func changedFreezeEndAnnouncesAgain() async {
        let api = Self.target()
        let admin = TargetPolicy(namespace: "cms", name: "admin", maxReplicas: 20, signals: [F.perReplica(100)])
        let harness = LoopHarness(
            targets: [api, admin],
            controls: PolicyControls(freeze: true, freezeUntil: F.at(600))
        )
        for target in [api, admin] {
            harness.scaler.seed(target, spec: 2)
            harness.signals.set(target, ["queue": F.value(500)])
        }

        _ = await Self.cycles(harness, api, count: 2)
        let afterTwoCycles = harness.events.recorded.filter { $0.reason == .heldByOperator }.count
        harness.loop.replacePolicy(
            targets: [api, admin],
            databases: [],
            controls: PolicyControls(freeze: true, freezeUntil: F.at(900))
        )
        let held = await Self.cycles(harness, admin, count: 1)

        #expect(afterTwoCycles == 1)
        #expect(held == [.held(replicas: 2, reason: .frozen)])
        #expect(harness.events.reasons(for: api.identity) == [.heldByOperator, .heldByOperator])
        #expect(harness.events.reasons(for: admin.identity).isEmpty)
        #expect(harness.scaler.writes.isEmpty)
    }

    /// An unreadable pause value gets a Warning Event, so its one record (over two cycles) is a
    /// warning, not an info record: info is kept for scaling actions.
    @Test func invalidAnnotationLogsOneWarning() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 5)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.paused: "tomorrow"])
        harness.signals.set(target, ["queue": F.value(500)])

        let outcomes = await Self.cycles(harness, target, count: 2)

        #expect(outcomes == [.unchanged(replicas: 5), .unchanged(replicas: 5)])
        #expect(harness.messages(at: .warning) == ["operator control"])
        #expect(!harness.messages(at: .info).contains("operator control"))
    }

    /// A workload scaled to 0 by hand is parked (`headroom_target_scaling_disabled` 1). A pin of 4
    /// then writes 4 from 0, and the gauge returns to 0 because the target is no longer parked.
    @Test func pinUnparksTargetScaledToZero() async {
        let target = Self.target()
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 0)
        harness.signals.set(target, ["queue": F.value(500)])
        let labels = LoopMetrics.labels(target)

        let parked = await Self.cycles(harness, target, count: 1)
        let gaugeWhileParked = harness.loop.metrics.scalingDisabled.value(labels: labels)
        harness.scaler.setAnnotations(target.identity, [TargetAnnotations.pinReplicas: "4"])
        let pinned = await Self.cycles(harness, target, count: 1)

        #expect(parked == [.scalingDisabled])
        #expect(gaugeWhileParked == 1)
        #expect(pinned == [.scaled(from: 0, to: 4)])
        #expect(harness.loop.metrics.scalingDisabled.value(labels: labels) == 0)
    }
}
