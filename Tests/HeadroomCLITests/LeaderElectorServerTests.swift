import Autoscaler
import Foundation
import KubeClient
import Observability
import Testing

@testable import HeadroomCLI

/// Two electors against the API test server over HTTPS on loopback, in real time with short
/// durations: a 2 s lease, a 1.5 s renew deadline and a 0.25 s retry period.
@Suite(.serialized) struct LeaderElectorServerTests {
    static func elector(
        _ identity: String,
        client: KubeClient,
        leaseDuration: Double = 2,
        renewDeadline: Double = 1.5
    ) -> LeaderElector {
        LeaderElector(
            settings: LeaderElectionSettings(
                namespace: "shop",
                leaseName: "headroom",
                identity: identity,
                leaseDuration: leaseDuration,
                renewDeadline: renewDeadline,
                retryPeriod: 0.25
            ),
            store: client,
            clock: SystemClock(),
            logger: Logger(level: .error, sink: InMemoryLogSink())
        )
    }

    /// Polls `condition` every 20 ms for at most `seconds`; returns the seconds it took, or nil.
    static func waitUntil(seconds: Double, _ condition: () -> Bool) async throws -> Double? {
        let start = ContinuousClock.now
        for _ in 0..<Int(seconds / 0.02) {
            if condition() { return (ContinuousClock.now - start).timeInterval }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition() ? (ContinuousClock.now - start).timeInterval : nil
    }

    /// A leads; B waits. A stops without releasing (a crash): B may take over only once A's last
    /// record is 2 s old on B's clock. A's last renew was at most one retry period (0.25 s)
    /// before the stop, so the takeover comes at least 2 − 0.25 = 1.75 s after it, and at most
    /// 2 s + 2 × 2.2 × 0.25 s = 3.1 s after it, with 0.5 s more allowed for requests.
    @Test func standbyTakesOverAfterTheLeaderStops() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        let a = Self.elector("a_1", client: cluster.client)
        let b = Self.elector("b_2", client: cluster.client)
        let aTask = Task { await a.run() }
        let aLed = try await Self.waitUntil(seconds: 5) { a.isLeader }
        let bTask = Task { await b.run() }
        defer { bTask.cancel() }
        try await Task.sleep(for: .seconds(1))
        let bLedWhileARenewed = b.isLeader

        aTask.cancel()
        await aTask.value
        let takeover = try await Self.waitUntil(seconds: 6) { b.isLeader }
        let lease = try #require(try await cluster.client.lease(namespace: "shop", name: "headroom"))

        #expect(aLed != nil)
        #expect(bLedWhileARenewed == false)
        let seconds = try #require(takeover)
        #expect(seconds >= 1.75, "takeover after \(seconds) s")
        #expect(seconds <= 3.6, "takeover after \(seconds) s")
        #expect(lease.holderIdentity == "b_2")
        #expect(lease.leaseTransitions == 1)
        #expect(lease.leaseDurationSeconds == 2)
    }

    /// When the leader releases, the standby does not wait out the 6 s lease: it takes over at
    /// its next attempt, at most 0.25 s × (1 + 1.2) = 0.55 s later. The bound allows 2 s for
    /// requests on a loaded machine, still far below the lease. The long renew deadline keeps a
    /// starved renew loop from losing the lease before the release.
    @Test func releaseHandsOverAtTheNextAttempt() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        let a = Self.elector("a_1", client: cluster.client, leaseDuration: 6, renewDeadline: 5)
        let b = Self.elector("b_2", client: cluster.client, leaseDuration: 6, renewDeadline: 5)
        let aTask = Task { await a.run() }
        _ = try await Self.waitUntil(seconds: 5) { a.isLeader }
        let bTask = Task { await b.run() }
        defer { bTask.cancel() }
        try await Task.sleep(for: .milliseconds(500))

        aTask.cancel()
        await aTask.value
        let released = await a.release()
        let takeover = try await Self.waitUntil(seconds: 3) { b.isLeader }

        #expect(released)
        let seconds = try #require(takeover)
        #expect(seconds <= 2.5, "takeover after \(seconds) s")
        let lease = try #require(try await cluster.client.lease(namespace: "shop", name: "headroom"))
        #expect(lease.holderIdentity == "b_2")
        #expect(lease.leaseTransitions == 1)
    }
}
