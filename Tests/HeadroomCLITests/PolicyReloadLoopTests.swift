import Foundation
import MetricsClient
import Observability
import Synchronization
import TestSupport
import Testing

@testable import Autoscaler
@testable import HeadroomCLI

/// Tests of the watcher feeding a real `ControlLoop`. A reload applies on the next cycle and
/// the target keeps its history, so its scale-down window runs on across reloads.
@Suite struct PolicyReloadLoopTests {
    static let api = "Deployment cms/api"

    /// Times below are seconds after the loop's first cycle; the default scale-down window is
    /// 300 s and `queue` is perReplica 100.
    ///
    /// - 0 s and 400 s: 400 queued on 4 replicas, recommendation 4.
    /// - valid reload (maxReplicas 30), then 415 s: 200 queued recommends 2, but the
    ///   recommendation 4 of 400 s is 15 s old, inside the window: held at 4.
    /// - invalid reload: rejected, maxReplicas stays 30.
    /// - 710 s: 200 queued. The 4 of 400 s is 310 s old and out of the window. The window
    ///   contains only the 2 of 415 s and the loop started 710 s ago, so it scales 4 → 2. Had the reload
    ///   reset the history, the window would have restarted at 415 s and still held at 4
    ///   (710 − 415 = 295 < 300).
    /// - valid reload (maxReplicas 40): in force at the next cycle.
    @Test func reloadsKeepTheStabilizationWindow() async throws {
        let mount = try ConfigMapMount(policy: PolicyWatcherTests.policy())
        defer { mount.remove() }
        let initial = try PolicyLoader.load(path: mount.policyPath)
        let clock = ManualClock()
        let start = clock.now
        let signals = QueueSignals()
        let scaler = MemoryScaler(replicas: [Self.api: 4])
        let loop = ControlLoop(
            targets: initial.targets,
            signals: signals,
            scaler: scaler,
            events: DiscardingEventRecorder(),
            clock: clock,
            logger: Logger(level: .error, sink: InMemoryLogSink()),
            metrics: LoopMetrics(registry: MetricsRegistry()),
            configuration: ControlLoopConfiguration()
        )
        let log = InMemoryLogSink()
        let metrics = PolicyReloadMetrics(registry: MetricsRegistry())
        let watcher = PolicyWatcher(
            path: mount.policyPath,
            baseline: try PolicyFileSnapshot.read(path: mount.policyPath).get(),
            running: initial.targets,
            clock: clock,
            logger: Logger(level: .info, sink: log),
            metrics: metrics,
            events: RecordingReloadEvents(),
            apply: { result in
                loop.replacePolicy(targets: result.targets, databases: result.databases, controls: result.controls)
            }
        )

        signals.queue = 400
        #expect(await loop.runCycle().outcomes[Self.api] == .unchanged(replicas: 4))
        clock.advance(to: start.addingTimeInterval(400))
        #expect(await loop.runCycle().outcomes[Self.api] == .unchanged(replicas: 4))

        try mount.swap(to: PolicyWatcherTests.policy(max: 30))
        #expect(await watcher.check() == .applied(targets: 1, databases: 0))
        #expect(loop.targets.map(\.maxReplicas) == [20])
        clock.advance(to: start.addingTimeInterval(415))
        signals.queue = 200
        #expect(await loop.runCycle().outcomes[Self.api] == .unchanged(replicas: 4))
        #expect(loop.targets.map(\.maxReplicas) == [30])
        #expect(loop.recentDecisions()[Self.api]?.last?.decision.reason == .scaleDownStabilized)

        try mount.swap(to: PolicyWatcherTests.invalidPolicy)
        let rejected = await watcher.check()
        guard case .rejected(let problems) = rejected else {
            Issue.record("expected a rejection, got \(rejected)")
            return
        }
        #expect(problems.count == 2)

        clock.advance(to: start.addingTimeInterval(710))
        #expect(await loop.runCycle().outcomes[Self.api] == .scaled(from: 4, to: 2))
        #expect(loop.targets.map(\.maxReplicas) == [30])
        #expect(scaler.replicas(of: Self.api) == 2)

        try mount.swap(to: PolicyWatcherTests.policy(max: 40))
        #expect(await watcher.check() == .applied(targets: 1, databases: 0))
        clock.advance(to: start.addingTimeInterval(725))
        _ = await loop.runCycle()
        #expect(loop.targets.map(\.maxReplicas) == [40])
        // The history spans all three reloads: its start is still the first cycle, and the
        // window keeps the recommendations no more than 300 s old at 725 s, those of 710 and 725 s.
        let history = loop.histories()[Self.api]
        #expect(history?.startedAt == start)
        #expect(history?.recommendations.map(\.time) == [710, 725].map { start.addingTimeInterval($0) })
        #expect(history?.recommendations.map(\.replicas) == [2, 2])
        #expect(metrics.reloads.value(labels: ["success"]) == 2)
        #expect(metrics.reloads.value(labels: ["failure"]) == 1)
    }
}

/// A signal source where every target's `queue` signal reads `queue`.
final class QueueSignals: SignalSource {
    private let value = Mutex<Double>(0)

    var queue: Double {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }

    func outcomes(for targets: [TargetPolicy], at time: Date) async -> [String: [String: SampleOutcome]] {
        let current = queue
        return Dictionary(
            uniqueKeysWithValues: targets.map { ($0.identity, ["queue": .value(current, age: .seconds(5))]) }
        )
    }
}

/// Workloads in memory, with all pods ready and every write accepted.
final class MemoryScaler: WorkloadScaler {
    private let state: Mutex<[String: Int]>

    init(replicas: [String: Int]) {
        state = Mutex(replicas)
    }

    func replicas(of identity: String) -> Int? { state.withLock { $0[identity] } }

    func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
        let replicas = state.withLock { $0[target.identity] ?? 1 }
        return WorkloadState(specReplicas: replicas, readyReplicas: replicas, resourceVersion: "1")
    }

    func writeReplicas(_ replicas: Int, to target: TargetPolicy, resourceVersion: String) async throws
        -> ScaleWriteResult
    {
        state.withLock { $0[target.identity] = replicas }
        return .written
    }
}
