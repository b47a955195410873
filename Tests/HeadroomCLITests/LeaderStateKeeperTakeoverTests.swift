import Autoscaler
import Foundation
import KubeClient
import Observability
import Testing

@testable import HeadroomCLI

/// A new leader whose reads of the saved state keep failing: after the retries it has no usable
/// state, so it must hold scale-down for one window as after a restart.
@Suite struct LeaderStateKeeperTakeoverTests {
    static func at(_ seconds: Double) -> Date { RestartSafetyTests.at(seconds) }

    /// A standby decides for 300 s (7 pods, and a queue of 30 requests 3) without writing. It then
    /// takes the released Lease, and every read of the state Lease fails as unreachable, a
    /// transient failure. The first `maxLoadAttempts - 1` steps retry (`loadFailed` 1 to 4). The
    /// last attempt gives up and loads no state (`loaded(targets: 0)`). So the first cycle, at
    /// 315 s, starts every target afresh and keeps 7: scale-down waits until 315 s + 300 s.
    @Test func failedReadsAfterRetriesHoldScaleDown() async throws {
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
        let scaler = RestartSafetyTests.RecordingScaler(replicas: 7)
        let loop = RestartSafetyTests.loop(depth: 30, scaler: scaler, clock: clock, mayWrite: { keeper.beginCycle() })
        keeper.attach(loop)

        for cycle in 0...20 {
            clock.advance(to: Self.at(Double(cycle) * 15))
            _ = await loop.runCycle()
        }
        var released = try #require(store.stored())
        released.holderIdentity = ""
        store.put(released)
        let acquired = await elector.acquire()
        store.failing = true
        var steps: [LeaderStateKeeper.Step] = []
        for _ in 0..<LeaderStateKeeper.maxLoadAttempts {
            steps.append(await keeper.step(loop: loop))
        }
        store.failing = false
        clock.advance(to: Self.at(315))
        let renewed = await elector.tryAcquireOrRenew()
        let outcome = await loop.runCycle().outcomes[RestartSafetyTests.identity]

        #expect(acquired)
        #expect(renewed)
        #expect(
            steps == [
                .loadFailed(attempts: 1), .loadFailed(attempts: 2), .loadFailed(attempts: 3),
                .loadFailed(attempts: 4), .loaded(targets: 0),
            ]
        )
        #expect(outcome == .unchanged(replicas: 7))
        #expect(loop.histories()[RestartSafetyTests.identity]?.startedAt == Self.at(315))
        #expect(scaler.writes.isEmpty)
    }
}
