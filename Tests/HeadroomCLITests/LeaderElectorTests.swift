import Autoscaler
import Foundation
import KubeClient
import Observability
import Synchronization
import Testing

@testable import HeadroomCLI

/// The election algorithm against an in-memory Lease store, with time moved by hand.
struct LeaderElectorTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// The leadership changes an elector reported, in order.
    final class Changes: Sendable {
        private let storage = Mutex<[Bool]>([])
        func append(_ leading: Bool) { storage.withLock { $0.append(leading) } }
        var values: [Bool] { storage.withLock { $0 } }
    }

    static func settings(_ identity: String) -> LeaderElectionSettings {
        LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: identity)
    }

    static func candidate(
        _ identity: String,
        store: InMemoryLeaseStore,
        clock: ManualClock,
        random: Double = 0
    ) -> (LeaderElector, MetricsRegistry, Changes) {
        let registry = MetricsRegistry()
        let changes = Changes()
        let elector = LeaderElector(
            settings: settings(identity),
            store: store,
            clock: clock,
            logger: Logger(level: .error, sink: InMemoryLogSink()),
            registry: registry,
            random: { random },
            onChange: { leading in changes.append(leading) }
        )
        return (elector, registry, changes)
    }

    /// Returns the `headroom_leader` sample in the registry's exposition text.
    static func leaderGauge(_ registry: MetricsRegistry) -> Double? {
        registry.render().split(separator: "\n").first { $0.hasPrefix("headroom_leader ") }
            .flatMap { Double($0.dropFirst("headroom_leader ".count)) }
    }

    /// Lets other tasks run until `condition` holds, at most 10,000 yields.
    static func settle(_ condition: () -> Bool) async {
        for _ in 0..<10_000 where !condition() { await Task.yield() }
    }

    @Test func absentLeaseIsCreatedWithThisHolder() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (elector, registry, changes) = Self.candidate("a_1", store: store, clock: clock)

        #expect(await elector.acquire())
        let lease = try #require(store.stored())

        #expect(lease.holderIdentity == "a_1")
        #expect(lease.leaseDurationSeconds == 15)
        #expect(lease.acquireTime == Self.start)
        #expect(lease.renewTime == Self.start)
        #expect(lease.leaseTransitions == 0)
        #expect(elector.isLeader)
        #expect(Self.leaderGauge(registry) == 1)
        #expect(changes.values == [true])
    }

    /// B first reads A's record at 0 s; A never renews, so the record stays the same and B may take
    /// it once 15 s have passed on B's clock since then: not at 14.9 s, at 15.1 s.
    @Test func heldLeaseIsTakenOnlyAfterItsDurationSinceObserved() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (a, _, _) = Self.candidate("a_1", store: store, clock: clock)
        let (b, _, _) = Self.candidate("b_2", store: store, clock: clock)
        #expect(await a.tryAcquireOrRenew())

        #expect(await b.tryAcquireOrRenew() == false)
        clock.advance(by: .milliseconds(14_900))
        #expect(await b.tryAcquireOrRenew() == false)
        clock.advance(by: .milliseconds(200))
        #expect(await b.tryAcquireOrRenew())

        let lease = try #require(store.stored())
        #expect(lease.holderIdentity == "b_2")
        #expect(lease.leaseTransitions == 1)
        #expect(lease.acquireTime == Self.start.addingTimeInterval(15.1))
        #expect(lease.renewTime == Self.start.addingTimeInterval(15.1))
    }

    /// A record whose `renewTime` is an hour old, as a holder with a slow clock writes it, is
    /// still waited out for the full duration from when B first saw it.
    @Test func oldRenewTimeDoesNotShortenTheWait() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (b, _, _) = Self.candidate("b_2", store: store, clock: clock)
        let hourAgo = Self.start.addingTimeInterval(-3600)
        store.put(
            Lease(
                name: "headroom",
                namespace: "ns",
                holderIdentity: "a_1",
                leaseDurationSeconds: 15,
                acquireTime: hourAgo,
                renewTime: hourAgo,
                leaseTransitions: 4
            )
        )

        #expect(await b.tryAcquireOrRenew() == false)
        clock.advance(by: .seconds(10))
        #expect(await b.tryAcquireOrRenew() == false)
        clock.advance(by: .seconds(6))
        #expect(await b.tryAcquireOrRenew())
        #expect(store.stored()?.leaseTransitions == 5)
    }

    /// A renews every 2 s, so each of B's reads returns a new record and B never takes over, even
    /// 30 s after it first looked.
    @Test func renewingLeaderKeepsTheLease() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (a, _, _) = Self.candidate("a_1", store: store, clock: clock)
        let (b, _, _) = Self.candidate("b_2", store: store, clock: clock)
        #expect(await a.acquire())

        var bWon = 0
        for _ in 0..<15 {
            clock.advance(by: .seconds(2))
            #expect(await a.tryAcquireOrRenew())
            if await b.tryAcquireOrRenew() { bWon += 1 }
        }

        #expect(bWon == 0)
        #expect(store.stored()?.holderIdentity == "a_1")
        #expect(store.stored()?.renewTime == Self.start.addingTimeInterval(30))
        #expect(store.stored()?.acquireTime == Self.start)
        #expect(store.stored()?.leaseTransitions == 0)
        // A read once (404) before it created the Lease. Its renewals update the cached copy
        // without a read, so the other 15 reads are B's.
        #expect(store.creates == 1)
        #expect(store.reads == 1 + 15)
    }

    /// B and C both see the expired record; C writes first, so B's write carries a stale
    /// `resourceVersion`, gets 409 Conflict, and B does not lead.
    @Test func concurrentTakeoverLosesOnConflict() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (b, _, bChanges) = Self.candidate("b_2", store: store, clock: clock)
        store.put(Lease(name: "headroom", namespace: "ns", holderIdentity: "a_1", leaseDurationSeconds: 15))
        #expect(await b.tryAcquireOrRenew() == false)
        clock.advance(by: .seconds(16))
        store.beforeNextUpdate { store in
            var taken = store.stored()!
            taken.holderIdentity = "c_3"
            store.put(taken)
        }

        #expect(await b.tryAcquireOrRenew() == false)
        #expect(store.stored()?.holderIdentity == "c_3")
        #expect(b.isLeader == false)
        #expect(bChanges.values.isEmpty)
    }

    @Test func releasedLeaseIsTakenAtOnce() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (b, _, _) = Self.candidate("b_2", store: store, clock: clock)
        store.put(
            Lease(
                name: "headroom",
                namespace: "ns",
                holderIdentity: "",
                leaseDurationSeconds: 1,
                acquireTime: Self.start,
                renewTime: Self.start,
                leaseTransitions: 3
            )
        )

        #expect(await b.tryAcquireOrRenew())
        #expect(store.stored()?.holderIdentity == "b_2")
        #expect(store.stored()?.leaseTransitions == 4)
        #expect(store.stored()?.leaseDurationSeconds == 15)
    }

    /// Release writes an empty holder, a 1 s duration and now as both times, keeps the
    /// transition count, stops writing, and happens once.
    @Test func releaseHandsTheLeaseOverOnce() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (a, registry, changes) = Self.candidate("a_1", store: store, clock: clock)
        #expect(await a.acquire())
        clock.advance(by: .seconds(5))

        #expect(await a.release())
        #expect(await a.release() == false)

        let lease = try #require(store.stored())
        #expect(lease.holderIdentity == "")
        #expect(lease.leaseDurationSeconds == 1)
        #expect(lease.acquireTime == Self.start.addingTimeInterval(5))
        #expect(lease.renewTime == Self.start.addingTimeInterval(5))
        #expect(lease.leaseTransitions == 0)
        #expect(store.updates == 1)
        #expect(a.isLeader == false)
        #expect(Self.leaderGauge(registry) == 0)
        #expect(changes.values == [true, false])
    }

    @Test func standbyReleasesNothing() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (a, _, _) = Self.candidate("a_1", store: store, clock: clock)
        let (b, _, _) = Self.candidate("b_2", store: store, clock: clock)
        #expect(await a.acquire())
        #expect(await b.tryAcquireOrRenew() == false)

        #expect(await b.release() == false)
        #expect(store.stored()?.holderIdentity == "a_1")
        #expect(store.updates == 0)
    }

    /// With the API unreachable from 0 s, the renew round tries at 0, 2, 4, 6 and 8 s. The next
    /// try would come at 10 s, the deadline, so leadership ends at 8 s.
    @Test func leadershipEndsWhenRenewsFailForTheDeadline() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        let (a, registry, changes) = Self.candidate("a_1", store: store, clock: clock)
        #expect(await a.acquire())
        store.failing = true
        let readsBefore = store.reads

        let renewing = Task { await a.renewUntilLost() }
        var leaderWhileFailing: [Bool] = []
        for _ in 0..<10 {
            await Self.settle { clock.sleeperCount == 1 || changes.values.count == 2 }
            if changes.values.count == 2 { break }
            leaderWhileFailing.append(a.isLeader)
            clock.advance(by: .seconds(2))
        }
        await renewing.value

        #expect(clock.now == Self.start.addingTimeInterval(8))
        #expect(store.reads - readsBefore == 5)
        #expect(leaderWhileFailing == [true, true, true, true])
        #expect(a.isLeader == false)
        #expect(Self.leaderGauge(registry) == 0)
        #expect(changes.values == [true, false])
    }

    /// With jitter 0.5 the wait between attempts is 2 s × (1 + 1.2 × 0.5) = 3.2 s.
    @Test func acquireWaitsTheJitteredRetryPeriod() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.start)
        store.put(Lease(name: "headroom", namespace: "ns", holderIdentity: "a_1", leaseDurationSeconds: 15))
        let (b, _, _) = Self.candidate("b_2", store: store, clock: clock, random: 0.5)

        let acquiring = Task { await b.acquire() }
        await Self.settle { clock.sleeperCount == 1 }
        let readsAtFirstWait = store.reads
        clock.advance(by: .milliseconds(3_100))
        await Self.settle { store.reads > readsAtFirstWait }
        let readsAt3100 = store.reads
        clock.advance(by: .milliseconds(100))
        await Self.settle { store.reads > readsAtFirstWait }
        let readsAt3200 = store.reads
        acquiring.cancel()
        let acquired = await acquiring.value

        #expect(readsAtFirstWait == 1)
        #expect(readsAt3100 == 1)
        #expect(readsAt3200 == 2)
        #expect(acquired == false)
    }
}
