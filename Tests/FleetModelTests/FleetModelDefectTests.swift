import Foundation
import Testing

@testable import FleetModel

/// Failing tests for fleet model defects, each with its expected value worked out by hand.
@Suite struct FleetModelDefectTests {
    /// Checks that an idle pool with `DB_POOL__MIN` 0 opens no connection. By the model's law,
    /// L = 0 erlangs requests ⌈0 + 2√0⌉ = 0 connections, and no request queues for the pool.
    /// So 3 idle warm pods contain 3 × 0 = 0 connections after 40 s.
    ///
    /// Actual: 3 × 10 = 30, because `runPool` reads `load >= openConnections` (0 ≥ 0) as a
    /// saturated pool and sets `DB_POOL__MAX` on every idle tick.
    @Test func idlePoolMinimumZeroOpensNothing() {
        var parameters = FleetParameters.directusDirect
        parameters.pool.minimum = 0
        var fleet = Fleet(parameters: parameters, replicas: 3, cold: false, seed: 1)

        var report = fleet.advance(arrivals: 0)
        for _ in 1..<40 { report = fleet.advance(arrivals: 0) }

        #expect(report.databaseConnections == 0)
        #expect(fleet.snapshot.pods.map(\.poolIdle) == [0, 0, 0])
    }

    /// Checks that PgBouncer without a free PostgreSQL slot does not trap. Other clients take
    /// all 100 − 3 = 97 ordinary slots, so no query runs and 15 s at 10 requests/s end with 0 ok.
    ///
    /// Actual: the process traps. `updateDatabase` divides the backlog by a capacity of 0, so
    /// `pgbouncerWait` is NaN or infinite, and the next `runPool` converts the hold time to `Int`.
    @Test func pgbouncerWithoutSlotsDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            var parameters = FleetParameters.directusPgBouncer
            parameters.database.otherClientConnections = 97
            var fleet = Fleet(parameters: parameters, replicas: 2, cold: false, seed: 1)

            var ok = 0.0
            for _ in 0..<15 { ok += fleet.advance(arrivals: 10).requests.ok }

            let bouncer = fleet.snapshot.pgbouncer
            let figures = [bouncer?.clientWaiting ?? 0, bouncer?.clientMaxWait ?? 0, bouncer?.serverActive ?? 0]
            if ok != 0 { exit(1) }
            if !figures.allSatisfy(\.isFinite) { exit(2) }
        }
    }

    /// Checks that, of two pods not Ready yet, the newest is deleted first. The ReplicaSet
    /// controller compares Ready times only when both pods are Ready, and docs/fleet-model.md
    /// gives the order "Pending, then not Ready, then the most recently Ready, then the newest".
    ///
    /// B is created at 0 with a startup of 11.99 s, so it turns Ready at 2 + ⌈11.99 ÷ 5⌉ × 5
    /// = 17. C is created at 1 with 6.42 s, Ready at 3 + ⌈6.42 ÷ 5⌉ × 5 = 13. At 4 both are
    /// starting, and scaling to 2 must delete C, the newest.
    ///
    /// Actual: B is deleted, because `scale(to:)` sorts pods of equal rank by their future
    /// `readyAt`, which no controller can know.
    @Test func notReadyPodsDeletedNewestFirst() throws {
        var fleet = Fleet(parameters: .directusPgBouncer, replicas: 1, cold: false, seed: 4)
        fleet.scale(to: 2)
        fleet.advance(arrivals: 0)
        fleet.scale(to: 3)
        for _ in 0..<3 { fleet.advance(arrivals: 0) }
        let names = fleet.pods.map(\.name)
        try #require(names.count == 3)
        try #require(fleet.pods[1].readyAt(probePeriod: 5) == 17)
        try #require(fleet.pods[2].readyAt(probePeriod: 5) == 13)
        try #require(fleet.snapshot.pods.map(\.phase) == [.ready, .starting, .starting])

        fleet.scale(to: 2)

        let deleted = fleet.snapshot.pods.filter { $0.phase == .terminating }.map(\.name)
        #expect(deleted == [names[2]])
    }

    /// Checks that terminating pods keep their place on a full cluster. A terminating pod keeps
    /// its node's resources until it is gone. So on a cluster for 2 pods, scaling 2 → 0 → 2 at
    /// time 0 leaves the new pods Pending until the old ones are gone at 30 s.
    ///
    /// Actual: the new pods are scheduled at 2 s and starting at 10 s, because
    /// `updateLifecycle` counts only pods without `deletedAt` against `schedulablePods`.
    @Test func terminatingPodsKeepClusterPlaces() {
        var parameters = FleetParameters.directusPgBouncer
        parameters.lifecycle.startup = .fixed(8)
        parameters.lifecycle.schedulablePods = 2
        var fleet = Fleet(parameters: parameters, replicas: 2, cold: false, seed: 1)
        fleet.scale(to: 0)
        fleet.scale(to: 2)

        for _ in 0..<10 { fleet.advance(arrivals: 0) }

        let phases = fleet.snapshot.pods.map(\.phase)
        #expect(phases == [.terminating, .terminating, .pending, .pending])
    }
}
