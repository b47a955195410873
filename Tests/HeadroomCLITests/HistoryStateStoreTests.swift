import Autoscaler
import Foundation
import KubeClient
import Observability
import Testing

@testable import HeadroomCLI

/// Saving and loading the histories in Lease annotations, against the in-memory Lease store.
struct HistoryStateStoreTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    static func at(_ seconds: Double) -> Date { base.addingTimeInterval(seconds) }

    static func state(_ store: InMemoryLeaseStore, maxShardBytes: Int = HistoryStateStore.defaultMaxShardBytes)
        -> HistoryStateStore
    {
        HistoryStateStore(
            namespace: "ns",
            electionLease: "headroom",
            store: store,
            logger: Logger(level: .error, sink: InMemoryLogSink()),
            maxShardBytes: maxShardBytes
        )
    }

    static func histories(_ count: Int) -> [String: ScalingHistory] {
        var result: [String: ScalingHistory] = [:]
        for index in 0..<count {
            result["Deployment shop/service-\(index)"] = ScalingHistory(
                startedAt: at(-600),
                recommendations: [.init(time: at(-30), replicas: 9), .init(time: at(-15), replicas: index % 7 + 1)]
            )
        }
        return result
    }

    @Test func savedHistoriesLoadBack() async throws {
        let store = InMemoryLeaseStore()
        let histories = Self.histories(3)

        let bytes = await Self.state(store).save(histories, at: Self.at(0))
        let loaded = await Self.state(store).load()
        let lease = try #require(store.stored("headroom-state"))

        #expect(loaded == histories)
        #expect(bytes == lease.annotations?[HistoryStateStore.stateAnnotation]?.utf8.count)
        #expect(lease.annotations?[HistoryStateStore.versionAnnotation] == "1")
        #expect(lease.annotations?[HistoryStateStore.shardsAnnotation] == "1")
        #expect(lease.holderIdentity == nil)
    }

    /// The second save of equal histories writes nothing; a changed history is written.
    @Test func unchangedHistoriesAreNotWrittenAgain() async throws {
        let store = InMemoryLeaseStore()
        let state = Self.state(store)
        var histories = Self.histories(2)

        await state.save(histories, at: Self.at(0))
        let writesAfterFirst = store.creates + store.updates
        let second = await state.save(histories, at: Self.at(15))
        let writesAfterSecond = store.creates + store.updates
        histories["Deployment shop/service-0"]?.recommendations.append(.init(time: Self.at(15), replicas: 2))
        await state.save(histories, at: Self.at(30))

        #expect(writesAfterFirst == 1)
        #expect(second == 0)
        #expect(writesAfterSecond == 1)
        #expect(store.creates + store.updates == 2)
        #expect(await Self.state(store).load() == histories)
    }

    /// 40 targets in shards of at most 1,500 bytes spread over several objects, which load back
    /// as one set.
    @Test func largeStateSpreadsOverShards() async throws {
        let store = InMemoryLeaseStore()
        let histories = Self.histories(40)

        await Self.state(store, maxShardBytes: 1500).save(histories, at: Self.at(0))
        let count = try #require(
            Int(store.stored("headroom-state")?.annotations?[HistoryStateStore.shardsAnnotation] ?? "")
        )
        let loaded = await Self.state(store).load()

        #expect(count > 1)
        for shard in 1..<count {
            let json = store.stored("headroom-state-\(shard)")?.annotations?[HistoryStateStore.stateAnnotation]
            #expect((json?.utf8.count ?? .max) <= 1500)
        }
        #expect(loaded == histories)
    }

    @Test func missingStateLoadsAsNothing() async {
        #expect(await Self.state(InMemoryLeaseStore()).load() == nil)
    }

    @Test func newerFormatLoadsAsNothing() async {
        let store = InMemoryLeaseStore()
        store.put(
            Lease(
                name: "headroom-state",
                namespace: "ns",
                annotations: [HistoryStateStore.stateAnnotation: #"{"v":2,"t":1800000000,"h":{}}"#]
            )
        )

        #expect(await Self.state(store).load() == nil)
    }

    @Test func missingShardLoadsAsNothing() async {
        let store = InMemoryLeaseStore()
        store.put(
            Lease(
                name: "headroom-state",
                namespace: "ns",
                annotations: [
                    HistoryStateStore.stateAnnotation: #"{"v":1,"t":1800000000,"h":{}}"#,
                    HistoryStateStore.shardsAnnotation: "2",
                ]
            )
        )

        #expect(await Self.state(store).load() == nil)
    }

    /// A failed write is reported and tried again at the next save, even with equal histories.
    @Test func failedSaveIsRetried() async {
        let store = InMemoryLeaseStore()
        let state = Self.state(store)
        let histories = Self.histories(1)
        store.failing = true

        let failed = await state.save(histories, at: Self.at(0))
        store.failing = false
        let retried = await state.save(histories, at: Self.at(15))

        #expect(failed == nil)
        #expect((retried ?? 0) > 0)
        #expect(await Self.state(store).load() == histories)
    }
}
