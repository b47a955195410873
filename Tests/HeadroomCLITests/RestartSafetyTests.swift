import Autoscaler
import Foundation
import KubeClient
import MetricsClient
import Observability
import Synchronization
import Testing

@testable import HeadroomCLI

/// A restarted controller or a new leader. Without saved history, scale-down waits a full window
/// while scale-up goes ahead. With restored history, the loop decides as the old leader would.
struct RestartSafetyTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)
    static let identity = "Deployment shop/api"

    static func at(_ seconds: Double) -> Date { base.addingTimeInterval(seconds) }

    /// Returns the same queue depth for every target.
    struct FixedQueue: SignalSource {
        let depth: Double
        func outcomes(for targets: [TargetPolicy], at time: Date) async -> [String: [String: SampleOutcome]] {
            Dictionary(uniqueKeysWithValues: targets.map { ($0.identity, ["queue": .value(depth, age: .seconds(5))]) })
        }
    }

    /// A workload whose `spec.replicas` changes only through this scaler; every pod is ready.
    final class RecordingScaler: WorkloadScaler {
        private let replicas: Mutex<Int>
        private let log = Mutex<[Int]>([])

        init(replicas: Int) { self.replicas = Mutex(replicas) }

        var writes: [Int] { log.withLock { $0 } }

        func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
            let current = replicas.withLock { $0 }
            return WorkloadState(specReplicas: current, readyReplicas: current, resourceVersion: "1")
        }

        func writeReplicas(_ count: Int, to target: TargetPolicy, resourceVersion: String) async throws
            -> ScaleWriteResult
        {
            replicas.withLock { $0 = count }
            log.withLock { $0.append(count) }
            return .written
        }
    }

    /// Builds a loop over one Deployment with a queue target of 10 per pod and at most 10 pods.
    static func loop(
        depth: Double,
        scaler: RecordingScaler,
        clock: ManualClock,
        mayWrite: @escaping @Sendable () -> Bool = { true }
    )
        -> ControlLoop
    {
        ControlLoop(
            targets: [ScalerCluster.target("api", needsPods: false)],
            signals: FixedQueue(depth: depth),
            scaler: scaler,
            events: DiscardingEventRecorder(),
            clock: clock,
            logger: Logger(level: .error, sink: InMemoryLogSink()),
            metrics: LoopMetrics(registry: MetricsRegistry()),
            configuration: ControlLoopConfiguration(interval: .seconds(15), mayWrite: mayWrite)
        )
    }

    /// 7 pods; a queue of 30 needs ceil(30 / 10) = 3. With no history the first cycle starts
    /// the 300 s scale-down window, so cycles at 0 to 285 s keep 7 and the one at 300 s may go to 3.
    @Test func noHistoryHoldsScaleDownForOneWindow() async {
        let clock = ManualClock(now: Self.base)
        let scaler = RecordingScaler(replicas: 7)
        let loop = Self.loop(depth: 30, scaler: scaler, clock: clock)

        var outcomes: [TargetOutcome] = []
        for cycle in 0...20 {
            clock.advance(to: Self.at(Double(cycle) * 15))
            outcomes.append(await loop.runCycle().outcomes[Self.identity] ?? .failed("missing"))
        }

        #expect(outcomes.prefix(20).allSatisfy { $0 == .unchanged(replicas: 7) })
        #expect(outcomes.last == .scaled(from: 7, to: 3))
        #expect(scaler.writes == [3])
    }

    /// 7 pods; a queue of 95 needs 10, within the default step of +100 % or +4 pods.
    @Test func noHistoryAllowsScaleUpAtOnce() async {
        let clock = ManualClock(now: Self.base)
        let scaler = RecordingScaler(replicas: 7)
        let loop = Self.loop(depth: 95, scaler: scaler, clock: clock)

        let outcome = await loop.runCycle().outcomes[Self.identity]

        #expect(outcome == .scaled(from: 7, to: 10))
    }

    /// The old leader recommended 3 for the last 300 s and started an hour ago. The new leader
    /// loads that, and its first cycle puts it into the loop before reading any history. So that
    /// cycle at 15 s goes to 3 instead of keeping 7 for a window. A loop without the saved state
    /// keeps 7.
    @Test func newLeaderRestoresBeforeItWrites() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(15))
        let logger = Logger(level: .error, sink: InMemoryLogSink())
        let saved = ScalingHistory(
            startedAt: Self.at(-3600),
            recommendations: (0..<20).map { .init(time: Self.at(Double($0) * 15 - 285), replicas: 3) }
        )
        let history = HistoryStateStore(namespace: "ns", electionLease: "headroom", store: store, logger: logger)
        await history.save([Self.identity: saved], at: Self.at(0))
        let elector = LeaderElector(
            settings: LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: "b_2"),
            store: store,
            clock: clock,
            logger: logger
        )
        let keeper = LeaderStateKeeper(elector: elector, history: history, clock: clock, saveInterval: 15)
        let scaler = RecordingScaler(replicas: 7)
        let loop = Self.loop(depth: 30, scaler: scaler, clock: clock, mayWrite: { keeper.beginCycle() })
        keeper.attach(loop)
        let fresh = Self.loop(depth: 30, scaler: RecordingScaler(replicas: 7), clock: clock)

        let standbyStep = await keeper.step(loop: loop)
        #expect(await elector.acquire())
        let loadStep = await keeper.step(loop: loop)
        let waitingStep = await keeper.step(loop: loop)
        let restoredBeforeCycle = keeper.hasRestored
        let outcome = await loop.runCycle().outcomes[Self.identity]
        let afterCycle = loop.histories()[Self.identity]
        let freshOutcome = await fresh.runCycle().outcomes[Self.identity]
        let saveStep = await keeper.step(loop: loop)
        let nextStep = await keeper.step(loop: loop)

        #expect(standbyStep == .standby)
        #expect(loadStep == .loaded(targets: 1))
        #expect(waitingStep == .awaitingCycle)
        #expect(restoredBeforeCycle == false)
        #expect(keeper.hasRestored)
        #expect(outcome == .scaled(from: 7, to: 3))
        #expect(freshOutcome == .unchanged(replicas: 7))
        #expect(scaler.writes == [3])
        // The saved start time, not this cycle's, and the newest saved recommendation (the only
        // one of 20 equal ones that can matter) before this cycle's own.
        #expect(afterCycle?.startedAt == Self.at(-3600))
        #expect(afterCycle?.recommendations.first == .init(time: Self.at(0), replicas: 3))
        if case .saved(let bytes) = saveStep {
            #expect(bytes > 0)
        } else {
            Issue.record("expected a save, got \(saveStep)")
        }
        #expect(nextStep == .unchanged)
    }

    /// Builds the new leader `b_2` of `newLeaderRestoresBeforeItWrites`, with the old leader's
    /// state saved: 3 for the last 300 s, started an hour ago.
    static func newLeader(_ store: InMemoryLeaseStore, clock: ManualClock) async
        -> (elector: LeaderElector, keeper: LeaderStateKeeper, loop: ControlLoop, scaler: RecordingScaler)
    {
        let logger = Logger(level: .error, sink: InMemoryLogSink())
        let saved = ScalingHistory(
            startedAt: Self.at(-3600),
            recommendations: (0..<20).map { .init(time: Self.at(Double($0) * 15 - 285), replicas: 3) }
        )
        let history = HistoryStateStore(namespace: "ns", electionLease: "headroom", store: store, logger: logger)
        await history.save([Self.identity: saved], at: Self.at(0))
        let elector = LeaderElector(
            settings: LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: "b_2"),
            store: store,
            clock: clock,
            logger: logger
        )
        let keeper = LeaderStateKeeper(elector: elector, history: history, clock: clock, saveInterval: 15)
        let scaler = RecordingScaler(replicas: 7)
        let loop = Self.loop(depth: 30, scaler: scaler, clock: clock, mayWrite: { keeper.beginCycle() })
        keeper.attach(loop)
        return (elector, keeper, loop, scaler)
    }

    /// The new leader's first read of the saved state fails with a 503. Its cycle writes nothing,
    /// and the saved state stays as it was. The next step reads the state, and the cycle after
    /// it goes to 3 as the old leader would. Had the failed read counted as no state, the cycle
    /// would have decided on the loop's own history and the next save would have replaced the
    /// old leader's state with it.
    @Test func failedStateReadIsRetried() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(15))
        let (elector, keeper, loop, scaler) = await Self.newLeader(store, clock: clock)
        let savedBefore = store.stored("headroom-state")

        #expect(await elector.acquire())
        store.failing = true
        let failedStep = await keeper.step(loop: loop)
        let outcomeWhileFailing = await loop.runCycle().outcomes[Self.identity]
        let writesWhileFailing = scaler.writes
        let restoredWhileFailing = keeper.hasRestored
        store.failing = false
        let loadStep = await keeper.step(loop: loop)
        let outcome = await loop.runCycle().outcomes[Self.identity]

        #expect(failedStep == .loadFailed(attempts: 1))
        #expect(restoredWhileFailing == false)
        #expect(outcomeWhileFailing == .unchanged(replicas: 7))
        #expect(writesWhileFailing == [])
        #expect(store.stored("headroom-state") == savedBefore)
        #expect(loadStep == .loaded(targets: 1))
        #expect(outcome == .scaled(from: 7, to: 3))
        #expect(scaler.writes == [3])
    }

    /// While the saved state stays unreadable, the leader reads it `maxLoadAttempts` (5) times
    /// and then starts without it. The loop's own history began at this cycle, so the 300 s
    /// scale-down window keeps 7.
    @Test func stateReadGivesUpAfterFiveAttempts() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(15))
        let (elector, keeper, loop, scaler) = await Self.newLeader(store, clock: clock)

        #expect(await elector.acquire())
        store.failing = true
        var steps: [LeaderStateKeeper.Step] = []
        for _ in 0..<LeaderStateKeeper.maxLoadAttempts {
            steps.append(await keeper.step(loop: loop))
        }
        let outcome = await loop.runCycle().outcomes[Self.identity]

        #expect(LeaderStateKeeper.maxLoadAttempts == 5)
        #expect(
            steps == [
                .loadFailed(attempts: 1), .loadFailed(attempts: 2), .loadFailed(attempts: 3),
                .loadFailed(attempts: 4), .loaded(targets: 0),
            ]
        )
        #expect(keeper.hasRestored)
        #expect(outcome == .unchanged(replicas: 7))
        #expect(scaler.writes == [])
    }

    /// A standby never saves: its own history must not replace the leader's saved state.
    @Test func standbySavesNothing() async {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(0))
        let logger = Logger(level: .error, sink: InMemoryLogSink())
        store.put(Lease(name: "headroom", namespace: "ns", holderIdentity: "a_1", leaseDurationSeconds: 15))
        let elector = LeaderElector(
            settings: LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: "b_2"),
            store: store,
            clock: clock,
            logger: logger
        )
        let history = HistoryStateStore(namespace: "ns", electionLease: "headroom", store: store, logger: logger)
        let keeper = LeaderStateKeeper(elector: elector, history: history, clock: clock, saveInterval: 15)
        let loop = Self.loop(
            depth: 30,
            scaler: RecordingScaler(replicas: 7),
            clock: clock,
            mayWrite: { keeper.beginCycle() }
        )
        keeper.attach(loop)

        let campaigned = await elector.tryAcquireOrRenew()
        let outcome = await loop.runCycle().outcomes[Self.identity]
        let step = await keeper.step(loop: loop)
        await keeper.finish(loop: loop)

        #expect(campaigned == false)
        #expect(outcome == .unchanged(replicas: 7))
        #expect(step == .standby)
        #expect(store.stored("headroom-state") == nil)
        #expect(store.stored()?.holderIdentity == "a_1")
    }
}
