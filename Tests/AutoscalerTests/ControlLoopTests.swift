import Foundation
import MetricsClient
import Observability
import Synchronization
import Testing

@testable import Autoscaler

/// Builds a queue-depth target: desired = ceil(depth / 100) under the HPA's default behavior.
private func queueTarget(_ name: String, min: Int = 1, max: Int = 20, mode: TargetMode = .scale) -> TargetPolicy {
    TargetPolicy(
        namespace: "shop",
        name: name,
        minReplicas: min,
        maxReplicas: max,
        mode: mode,
        signals: [EngineFixture.perReplica(100)]
    )
}

private func depth(_ value: Double) -> [String: SampleOutcome] {
    ["queue": .value(value, age: .seconds(5))]
}

struct ControlLoopReconcileTests {
    @Test func scaleUpWritesOnceWithReadVersion() async throws {
        let api = queueTarget("api")
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 3)
        let version = try #require(harness.scaler.workload(api.identity)?.resourceVersion)
        // 600 / 100 = 6; the default scale-up limit from 3 is 3 + max(100 % of 3, 4) = 7.
        harness.signals.set(api, depth(600))

        let report = await harness.loop.runCycle()

        #expect(report.outcomes[api.identity] == .scaled(from: 3, to: 6))
        #expect(harness.scaler.writes == [.init(target: api.identity, replicas: 6, resourceVersion: version)])
        #expect(harness.scaler.workload(api.identity)?.specReplicas == 6)
        #expect(harness.events.reasons(for: api.identity) == [.successfulRescale])
        #expect(harness.events.recorded.first?.message.hasPrefix("New size: 6; reason: ") == true)
        #expect(harness.messages(at: .info).filter { $0 == "scaled" }.count == 1)
        let labels = ["shop", "api", "Deployment"]
        #expect(harness.loop.metrics.actions.value(labels: labels + ["up", "false"]) == 1)
        #expect(harness.loop.metrics.desiredReplicas.value(labels: labels) == 6)
    }

    @Test func withinToleranceDoesNotWrite() async {
        let api = queueTarget("api")
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 5)
        // 520 / 100 = 5.2 replicas against 5: a ratio of 1.04, inside the 0.1 tolerance.
        harness.signals.set(api, depth(520))

        let report = await harness.loop.runCycle()

        #expect(report.outcomes[api.identity] == .unchanged(replicas: 5))
        #expect(harness.scaler.writes.isEmpty)
        #expect(harness.events.recorded.isEmpty)
        #expect(harness.messages(at: .debug).contains("holding"))
    }

    @Test func statusOnlyConflictRetriesInSameCycle() async throws {
        let api = queueTarget("api")
        // The first write finds the resourceVersion moved by a status-only change.
        let scaler = FakeWorkloadScaler { scaler, identity, attempt in
            if attempt == 1 { scaler.touchStatus(identity) }
        }
        let harness = LoopHarness(targets: [api], scaler: scaler)
        scaler.seed(api, spec: 10)
        // 1200 / 100 = 12, within the limit 10 + max(10, 4) = 20.
        harness.signals.set(api, depth(1200))

        let report = await harness.loop.runCycle()

        #expect(report.outcomes[api.identity] == .scaled(from: 10, to: 12))
        #expect(scaler.writes.count == 2)
        #expect(scaler.writes[0].resourceVersion != scaler.writes[1].resourceVersion)
        #expect(scaler.workload(api.identity)?.specReplicas == 12)
        #expect(harness.events.reasons(for: api.identity) == [.successfulRescale])
    }

    @Test func outsideChangeIsKeptAndReported() async throws {
        let api = queueTarget("api")
        // A person runs `kubectl scale --replicas=7` between Headroom's read and its write.
        let scaler = FakeWorkloadScaler { scaler, identity, attempt in
            if attempt == 1 { scaler.scaleByHand(identity, to: 7) }
        }
        let harness = LoopHarness(targets: [api], scaler: scaler)
        scaler.seed(api, spec: 10)
        harness.signals.set(api, depth(1200))

        let first = await harness.loop.runCycle()

        #expect(first.outcomes[api.identity] == .outsideChange(from: 10, to: 7))
        #expect(scaler.writes.count == 1)
        #expect(scaler.workload(api.identity)?.specReplicas == 7)
        let event = try #require(harness.events.recorded.last)
        #expect(event.reason == .outsideRescale)
        #expect(event.message.contains("from 10 to 7"))
        #expect(event.message.contains("keeping 7"))

        // The next cycle decides again from the person's 7: 1200 / 100 = 12 <= 7 + max(7, 4).
        harness.clock.advance(by: .seconds(15))
        let second = await harness.loop.runCycle()
        #expect(second.outcomes[api.identity] == .scaled(from: 7, to: 12))
    }

    @Test func conflictTwiceFailsWithoutLooping() async {
        let api = queueTarget("api")
        let scaler = FakeWorkloadScaler { scaler, identity, _ in scaler.touchStatus(identity) }
        let harness = LoopHarness(targets: [api], scaler: scaler)
        scaler.seed(api, spec: 10)
        harness.signals.set(api, depth(1200))

        let report = await harness.loop.runCycle()

        guard case .failed(let message) = report.outcomes[api.identity] else {
            Issue.record("expected a failed outcome, got \(String(describing: report.outcomes[api.identity]))")
            return
        }
        #expect(message.contains("conflicted twice"))
        #expect(scaler.writes.count == 2)
        #expect(scaler.workload(api.identity)?.specReplicas == 10)
        #expect(harness.events.reasons(for: api.identity) == [.failedRescale])
        #expect(report.succeeded == false)
    }

    @Test func parkedTargetStaysAtZeroUntilScaledByHand() async {
        let api = queueTarget("api", min: 1, max: 4)
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 0, ready: 0)
        harness.signals.set(api, depth(300))

        let first = await harness.loop.runCycle()
        harness.clock.advance(by: .seconds(15))
        let second = await harness.loop.runCycle()

        #expect(first.outcomes[api.identity] == .scalingDisabled)
        #expect(second.outcomes[api.identity] == .scalingDisabled)
        #expect(harness.scaler.writes.isEmpty)
        // Reported once when it happens, not every cycle.
        #expect(harness.events.reasons(for: api.identity) == [.scalingDisabled])
        #expect(harness.loop.metrics.scalingDisabled.value(labels: ["shop", "api", "Deployment"]) == 1)

        // Someone scales it to 1: autoscaling resumes and 300 / 100 = 3 <= 1 + max(1, 4).
        harness.scaler.scaleByHand(api.identity, to: 1)
        harness.clock.advance(by: .seconds(15))
        let third = await harness.loop.runCycle()
        #expect(third.outcomes[api.identity] == .scaled(from: 1, to: 3))
        #expect(harness.events.reasons(for: api.identity) == [.scalingDisabled, .scalingEnabled, .successfulRescale])
        #expect(harness.loop.metrics.scalingDisabled.value(labels: ["shop", "api", "Deployment"]) == 0)
    }

    @Test func dryRunReadsButWritesNothing() async {
        let api = queueTarget("api")
        let harness = LoopHarness(targets: [api], dryRun: true)
        harness.scaler.seed(api, spec: 3)
        harness.signals.set(api, depth(600))

        let report = await harness.loop.runCycle()

        #expect(report.outcomes[api.identity] == .wouldScale(from: 3, to: 6))
        #expect(harness.scaler.reads == [api.identity])
        #expect(harness.scaler.writes.isEmpty)
        #expect(harness.events.recorded.isEmpty)
        #expect(harness.messages(at: .info).contains("dry run: would scale"))
        #expect(harness.loop.metrics.actions.value(labels: ["shop", "api", "Deployment", "up", "true"]) == 1)
    }

    @Test func observeModeNeverWrites() async {
        let api = queueTarget("api", mode: .observe)
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 3)
        harness.signals.set(api, depth(600))

        let report = await harness.loop.runCycle()

        #expect(report.outcomes[api.identity] == .wouldScale(from: 3, to: 6))
        #expect(harness.scaler.writes.isEmpty)
        #expect(harness.messages(at: .info).contains("observe mode: would scale"))
    }

    @Test func failingTargetDoesNotStopOthers() async {
        let broken = queueTarget("broken")
        let api = queueTarget("api")
        let harness = LoopHarness(targets: [broken, api])
        harness.scaler.seed(broken, spec: 3)
        harness.scaler.seed(api, spec: 3)
        harness.scaler.failReads(of: broken.identity)
        harness.signals.set(broken, depth(600))
        harness.signals.set(api, depth(600))

        let report = await harness.loop.runCycle()

        #expect(report.outcomes[api.identity] == .scaled(from: 3, to: 6))
        guard case .failed(let message) = report.outcomes[broken.identity] else {
            Issue.record("expected the broken target to fail")
            return
        }
        #expect(message.contains("connection refused"))
        #expect(harness.events.reasons(for: broken.identity) == [.failedGetScale])
        #expect(harness.loop.metrics.errors.value(labels: ["shop", "broken", "Deployment", "read"]) == 1)
        #expect(!report.succeeded)
    }

    @Test func readFailureStreakLogsOneError() async {
        let api = queueTarget("api")
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 3)
        harness.scaler.failReads(of: api.identity)
        harness.signals.set(api, depth(300))

        for _ in 0..<3 {
            _ = await harness.loop.runCycle()
            harness.clock.advance(by: .seconds(15))
        }

        // Reads at 0 s and 15 s fail; the second failure backs off 30 s or more (twice the
        // interval, stretched up to 20 %), so the cycle at 30 s does not read.
        #expect(harness.messages(at: .error) == ["reading the workload failed"])
        #expect(harness.messages(at: .debug).filter { $0 == "reading the workload failed" }.count == 1)
        #expect(harness.messages(at: .debug).filter { $0 == "reading the workload skipped" }.count == 1)
        #expect(harness.events.reasons(for: api.identity) == [.failedGetScale, .failedGetScale])
        #expect(harness.loop.metrics.errors.value(labels: ["shop", "api", "Deployment", "read"]) == 2)
    }

    @Test func failedSignalWarnsOnceAndHolds() async {
        let api = queueTarget("api")
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 9)
        harness.signals.set(api, ["queue": .failed(reason: "connection refused")])

        for _ in 0..<3 {
            let report = await harness.loop.runCycle()
            #expect(report.outcomes[api.identity] == .unchanged(replicas: 9))
            harness.clock.advance(by: .seconds(15))
        }

        #expect(harness.messages(at: .warning).filter { $0 == "signal has no usable value" }.count == 1)
        let metricEvents = harness.events.recorded.filter { $0.reason == .failedGetMetric }
        #expect(metricEvents.count == 3)
        #expect(Set(metricEvents.map(\.message)) == ["signal queue has no usable value (failed): connection refused"])
        #expect(harness.scaler.writes.isEmpty)
    }

    @Test func concurrentReconcilesAreCapped() async {
        let targets = (1...6).map { queueTarget("t\($0)") }
        let scaler = FakeWorkloadScaler(readDelay: .milliseconds(20))
        let harness = LoopHarness(targets: targets, maxConcurrentTargets: 2, scaler: scaler)
        for target in targets {
            scaler.seed(target, spec: 3)
            harness.signals.set(target, depth(300))
        }

        let report = await harness.loop.runCycle()

        #expect(report.outcomes.count == 6)
        #expect(scaler.maxInFlight == 2)
    }
}

struct ControlLoopTimingTests {
    /// Waits, in real time but bounded, until the loop sleeps on the manual clock.
    private func waitForSleep(_ clock: ManualClock) async throws {
        for _ in 0..<2000 where clock.sleeperCount == 0 {
            try await Task.sleep(for: .milliseconds(1))
        }
        try #require(clock.sleeperCount == 1)
    }

    @Test func cyclesFollowTheInterval() async throws {
        let api = queueTarget("api")
        let harness = LoopHarness(targets: [api])
        harness.scaler.seed(api, spec: 5)
        harness.signals.set(api, depth(500))
        let run = Task { await harness.loop.run() }

        try await waitForSleep(harness.clock)
        #expect(harness.loop.metrics.cycles.value() == 1)
        harness.clock.advance(by: .seconds(14))
        #expect(harness.clock.sleeperCount == 1)
        harness.clock.advance(by: .seconds(1))
        try await waitForSleep(harness.clock)
        #expect(harness.loop.metrics.cycles.value() == 2)

        run.cancel()
        await run.value
        #expect(harness.messages(at: .info).last == "control loop stopped")
        #expect(harness.loop.metrics.overruns.value() == 0)
    }

    @Test func overrunStartsNextCycleAtOnce() async throws {
        let api = queueTarget("api")
        let clock = ManualClock(now: EngineFixture.epoch)
        let slowReads = Mutex(3)
        // The first three reads take 20 s each, longer than the 15 s interval.
        let signals = FakeSignalSource {
            let slow = slowReads.withLock { remaining -> Bool in
                guard remaining > 0 else { return false }
                remaining -= 1
                return true
            }
            if slow { clock.advance(by: .seconds(20)) }
        }
        let harness = LoopHarness(targets: [api], clock: clock, signals: signals)
        harness.scaler.seed(api, spec: 5)
        signals.set(api, depth(500))
        let run = Task { await harness.loop.run() }

        try await waitForSleep(clock)
        run.cancel()
        await run.value

        #expect(harness.loop.metrics.overruns.value() == 3)
        #expect(harness.loop.metrics.cycles.value() == 4)
        #expect(harness.messages(at: .warning).filter { $0.hasPrefix("cycle took longer") }.count == 3)
    }
}

struct CountingEventRecorderTests {
    final class FakeWriter: EventWriter {
        enum Call: Equatable {
            case create(String)
            case update(Int, count: Int)
        }

        private let state = Mutex<(calls: [Call], next: Int, failing: Bool)>(([], 0, false))

        var calls: [Call] { state.withLock { $0.calls } }
        func fail() { state.withLock { $0.failing = true } }

        func create(_ event: TargetEvent, at time: Date) async throws -> Int {
            try state.withLock { state in
                if state.failing { throw FakeError.writeFailed }
                state.next += 1
                state.calls.append(.create(event.message))
                return state.next
            }
        }

        func updateCount(_ handle: Int, count: Int, at time: Date) async throws -> Int {
            state.withLock { $0.calls.append(.update(handle, count: count)) }
            return handle
        }
    }

    @Test func repeatsRaiseTheCount() async {
        let writer = FakeWriter()
        let clock = ManualClock(now: EngineFixture.epoch)
        let logs = InMemoryLogSink()
        let recorder = CountingEventRecorder(writer: writer, clock: clock, logger: Logger(level: .debug, sink: logs))
        let api = queueTarget("api")
        let failing = TargetEvent(target: api, reason: .failedGetMetric, message: "signal queue failed")

        await recorder.record(failing)
        clock.advance(by: .seconds(15))
        await recorder.record(failing)
        await recorder.record(TargetEvent(target: api, reason: .successfulRescale, message: "New size: 4"))
        clock.advance(by: .seconds(601))
        await recorder.record(failing)

        #expect(
            writer.calls == [
                .create("signal queue failed"), .update(1, count: 2), .create("New size: 4"),
                .create("signal queue failed"),
            ]
        )
    }

    @Test func failedWriteIsLoggedNotThrown() async {
        let writer = FakeWriter()
        writer.fail()
        let logs = InMemoryLogSink()
        let recorder = CountingEventRecorder(
            writer: writer,
            clock: ManualClock(),
            logger: Logger(level: .debug, sink: logs)
        )

        await recorder.record(TargetEvent(target: queueTarget("api"), reason: .failedRescale, message: "x"))

        #expect(logs.records.map(\.message) == ["recording an Event failed"])
        #expect(logs.records.first?.metadata["eventReason"] == "FailedRescale")
    }

    @Test func longMessagesAreCut() {
        let event = TargetEvent(
            target: queueTarget("api"),
            reason: .failedRescale,
            message: String(repeating: "é", count: 800)
        )
        #expect(event.message.utf8.count <= 1024)
        #expect(event.message.hasSuffix("..."))
    }
}

struct PrometheusSignalSourceTests {
    @Test func targetsSharingAPresetShareOneQuery() throws {
        let preset = SignalPreset.ingressNginxP99Latency
        let signal = SignalPolicy(
            name: "latency",
            query: preset.query,
            labels: preset.labels,
            target: try SignalTarget.parse("300ms"),
            rule: .latencyStep
        )
        let api = TargetPolicy(namespace: "shop", name: "api", maxReplicas: 10, signals: [signal])
        let web = TargetPolicy(namespace: "blog", name: "web", maxReplicas: 10, signals: [signal])

        let batches = PrometheusSignalSource.batches(for: [api, web])

        #expect(batches.count == 1)
        #expect(batches.first?.targets.map(\.id) == [api.identity, web.identity])
        #expect(batches.first?.signalNames[web.identity] == ["latency"])
        let placeholders = PrometheusSignalSource.placeholders(of: web)
        #expect(placeholders == ["namespace": "blog", "name": "web", "ingress": "web"])
    }

    @Test func differentQueriesGetTheirOwnBatch() {
        let api = TargetPolicy(
            namespace: "shop",
            name: "api",
            maxReplicas: 10,
            signals: [EngineFixture.perReplica(100), EngineFixture.perReplica(50, name: "other")]
        )

        let batches = PrometheusSignalSource.batches(for: [api])

        // Both signals have the same query, label map and maximum age, so one query serves both.
        #expect(batches.count == 1)
        #expect(batches.first?.signalNames[api.identity] == ["queue", "other"])
    }
}

struct QueryWarningLogTests {
    @Test func eachWarningIsLoggedOnce() {
        let logs = InMemoryLogSink()
        let log = QueryWarningLog(logger: Logger(level: .debug, sink: logs))

        log.record(query: "sum(a)", warnings: ["partial response"])
        log.record(query: "sum(a)", warnings: ["partial response"])
        log.record(query: "sum(b)", warnings: ["partial response", "store unavailable"])

        let logged = logs.records.map { "\($0.metadata["query"]!) \($0.metadata["warning"]!)" }
        #expect(logged == ["sum(a) partial response", "sum(b) partial response", "sum(b) store unavailable"])
        #expect(logs.records.allSatisfy { $0.level == .warning })
    }
}

struct DecisionMessageTests {
    @Test(arguments: [
        (57.99999999999999, "58"), (0.9000000099945873, "0.9"), (0.123456789, "0.123457"), (1e-7, "1e-07"),
        (1234567.0, "1234567"), (2.5e20, "2.5e+20"), (Double.nan, "NaN"), (-Double.infinity, "-Inf"),
    ])
    func valuesAreRoundedForPeople(value: Double, expected: String) {
        #expect(Decision.format(value) == expected)
    }
}
