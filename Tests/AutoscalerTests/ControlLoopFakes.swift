import Autoscaler
import Foundation
import MetricsClient
import Observability
import Synchronization

/// Signal outcomes set by the test, per target identity and signal name.
final class FakeSignalSource: SignalSource {
    private let state = Mutex<[String: [String: SampleOutcome]]>([:])
    /// Runs inside every read, so a test can move a manual clock during a cycle.
    let onRead: @Sendable () -> Void

    init(onRead: @escaping @Sendable () -> Void = {}) {
        self.onRead = onRead
    }

    func set(_ target: TargetPolicy, _ outcomes: [String: SampleOutcome]) {
        state.withLock { $0[target.identity] = outcomes }
    }

    func outcomes(for targets: [TargetPolicy], at time: Date) async -> [String: [String: SampleOutcome]] {
        onRead()
        return state.withLock { $0 }
    }
}

/// An in-memory API server for workloads: a write succeeds only with the current
/// resourceVersion, and every read and write is recorded.
final class FakeWorkloadScaler: WorkloadScaler {
    struct Write: Equatable {
        var target: String
        var replicas: Int
        var resourceVersion: String
    }

    private struct State {
        var workloads: [String: WorkloadState] = [:]
        var writes: [Write] = []
        var reads: [String] = []
        var failingReads: Set<String> = []
        var inFlight = 0
        var maxInFlight = 0
        var nextVersion = 100
    }

    private let state = Mutex(State())
    /// Runs before each write is applied, with the target's identity and the attempt number,
    /// so a test can place another writer's change between the read and the write.
    let beforeWrite: @Sendable (FakeWorkloadScaler, String, Int) -> Void
    /// Time each read takes, to let reads of several targets overlap.
    let readDelay: Duration

    init(
        readDelay: Duration = .zero,
        beforeWrite: @escaping @Sendable (FakeWorkloadScaler, String, Int) -> Void = { _, _, _ in }
    ) {
        self.readDelay = readDelay
        self.beforeWrite = beforeWrite
    }

    func seed(_ target: TargetPolicy, spec: Int, ready: Int? = nil) {
        state.withLock { state in
            state.nextVersion += 1
            state.workloads[target.identity] = WorkloadState(
                specReplicas: spec,
                readyReplicas: ready ?? spec,
                resourceVersion: String(state.nextVersion)
            )
        }
    }

    /// Sets the pods the next reads of `target` return.
    func setPods(_ target: TargetPolicy, _ pods: [PodState]?) {
        state.withLock { $0.workloads[target.identity]?.pods = pods }
    }

    /// Sets `spec.replicas` as another writer would, bumping the resourceVersion.
    func scaleByHand(_ identity: String, to replicas: Int) {
        state.withLock { state in
            state.nextVersion += 1
            state.workloads[identity]?.specReplicas = replicas
            state.workloads[identity]?.resourceVersion = String(state.nextVersion)
        }
    }

    /// Sets `spec.replicas` as the field manager `manager` would, as `managedFields` shows it.
    func scaleByHand(_ identity: String, to replicas: Int, manager: String) {
        scaleByHand(identity, to: replicas)
        state.withLock { $0.workloads[identity]?.replicasManager = manager }
    }

    /// Sets the target's annotations.
    func setAnnotations(_ identity: String, _ annotations: [String: String]) {
        state.withLock { $0.workloads[identity]?.annotations = annotations }
    }

    /// Names the HorizontalPodAutoscaler that scales the target, or none.
    func setAutoscaler(_ identity: String, _ name: String?) {
        state.withLock { $0.workloads[identity]?.horizontalPodAutoscaler = name }
    }

    /// Changes only the status, as a rollout does: the resourceVersion moves, the spec not.
    func touchStatus(_ identity: String) {
        state.withLock { state in
            state.nextVersion += 1
            state.workloads[identity]?.resourceVersion = String(state.nextVersion)
        }
    }

    func failReads(of identity: String) {
        state.withLock { _ = $0.failingReads.insert(identity) }
    }

    func workload(_ identity: String) -> WorkloadState? { state.withLock { $0.workloads[identity] } }
    var writes: [Write] { state.withLock { $0.writes } }
    var reads: [String] { state.withLock { $0.reads } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
        state.withLock {
            $0.inFlight += 1
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if readDelay > .zero { try await Task.sleep(for: readDelay) }

        return try state.withLock { state in
            state.reads.append(target.identity)
            if state.failingReads.contains(target.identity) {
                throw FakeError.readFailed(target.identity)
            }
            guard let workload = state.workloads[target.identity] else { throw FakeError.notFound(target.identity) }
            return workload
        }
    }

    func writeReplicas(_ replicas: Int, to target: TargetPolicy, resourceVersion: String) async throws
        -> ScaleWriteResult
    {
        let attempt = state.withLock { state in
            state.writes.append(Write(target: target.identity, replicas: replicas, resourceVersion: resourceVersion))
            return state.writes.filter { $0.target == target.identity }.count
        }
        beforeWrite(self, target.identity, attempt)
        return state.withLock { state in
            guard let current = state.workloads[target.identity], current.resourceVersion == resourceVersion else {
                return .conflict
            }
            state.nextVersion += 1
            state.workloads[target.identity]?.specReplicas = replicas
            state.workloads[target.identity]?.resourceVersion = String(state.nextVersion)
            state.workloads[target.identity]?.replicasManager = "headroom"
            return .written
        }
    }
}

enum FakeError: Error, CustomStringConvertible {
    case readFailed(String)
    case notFound(String)
    case writeFailed

    var description: String {
        switch self {
        case .readFailed(let target): "connection refused reading \(target)"
        case .notFound(let target): "\(target) not found"
        case .writeFailed: "write failed"
        }
    }
}

/// Keeps every Event the loop records.
final class RecordingEventRecorder: EventRecorder {
    private let events = Mutex<[TargetEvent]>([])

    func record(_ event: TargetEvent) async {
        events.withLock { $0.append(event) }
    }

    var recorded: [TargetEvent] { events.withLock { $0 } }

    func reasons(for identity: String) -> [EventReason] {
        recorded.filter { $0.target.identity == identity }.map(\.reason)
    }
}

/// A loop with fakes around it, for one test.
struct LoopHarness {
    let clock: ManualClock
    let signals: FakeSignalSource
    let scaler: FakeWorkloadScaler
    let events: RecordingEventRecorder
    let logs: InMemoryLogSink
    let registry: MetricsRegistry
    let loop: ControlLoop

    init(
        targets: [TargetPolicy],
        dryRun: Bool = false,
        maxConcurrentTargets: Int = 8,
        clock: ManualClock = ManualClock(now: EngineFixture.epoch),
        signals: FakeSignalSource = FakeSignalSource(),
        scaler: FakeWorkloadScaler = FakeWorkloadScaler(),
        databases: [DatabasePolicy] = [],
        mayWrite: @escaping @Sendable () -> Bool = { true },
        controls: PolicyControls = PolicyControls()
    ) {
        self.clock = clock
        self.signals = signals
        self.scaler = scaler
        events = RecordingEventRecorder()
        logs = InMemoryLogSink()
        registry = MetricsRegistry()
        loop = ControlLoop(
            targets: targets,
            signals: signals,
            scaler: scaler,
            events: events,
            clock: clock,
            logger: Logger(level: .debug, sink: logs, now: { clock.now }),
            metrics: LoopMetrics(registry: registry),
            configuration: ControlLoopConfiguration(
                interval: .seconds(15),
                dryRun: dryRun,
                maxConcurrentTargets: maxConcurrentTargets,
                mayWrite: mayWrite
            ),
            databases: databases,
            controls: controls
        )
    }

    func messages(at level: LogLevel) -> [String] {
        logs.records.filter { $0.level == level }.map(\.message)
    }
}
