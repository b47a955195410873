import Testing

@testable import FleetModel

/// Per-tick connection counts and refusals, and the lifecycle times the snapshot gives, worked
/// out by hand.
@Suite struct ConnectionReportTests {
    /// 10 warm pods at 300 requests/s where 17 connections are allowed, as in
    /// `DatabaseLimitTests`: pods 1–8 have 2, pod 9 has 1 and pod 10 none. Each tick pod 9
    /// fails 30 × 0.3 = 9 times (Erlang C of one server is its load, 30 × 10 ms) and pod 10 once
    /// per request, 30: 39 refusals a tick, with 17 client connections.
    static func tickReports(_ parameters: FleetParameters, ticks: Int) -> [TickReport] {
        var fleet = Fleet(parameters: parameters, replicas: 10, cold: false, seed: 1)
        return (0..<ticks).map { _ in fleet.advance(arrivals: 300) }
    }

    @Test func directRefusalsAreCountedInTheirTick() {
        var parameters = FleetParameters.directusDirect
        parameters.database.maxConnections = 20
        let reports = Self.tickReports(parameters, ticks: 5)
        for report in reports {
            #expect(abs(report.refusedConnections - 39) < 1e-6, "tick ending at \(report.time)")
            #expect(report.clientConnections == 17)
            // Direct: PostgreSQL has the pools' connections and no other.
            #expect(report.databaseConnections == 17)
        }
    }

    /// The same limit as PgBouncer's `max_client_conn`: the same refusals, now PgBouncer's, and
    /// none at PostgreSQL. PgBouncer's wait at 2.7 erlangs on 40 servers (Erlang C 1e-30)
    /// leaves pod 9's load at 0.3.
    @Test func pgbouncerRefusalsAreCountedAsClientRefusals() throws {
        var parameters = FleetParameters.directusPgBouncer
        parameters.pgbouncer?.maxClientConnections = 17
        var fleet = Fleet(parameters: parameters, replicas: 10, cold: false, seed: 1)
        var reports: [TickReport] = []
        for _ in 0..<5 { reports.append(fleet.advance(arrivals: 300)) }
        for report in reports {
            #expect(abs(report.refusedConnections - 39) < 1e-6, "tick ending at \(report.time)")
            #expect(report.clientConnections == 17)
        }
        let snapshot = fleet.snapshot
        #expect(snapshot.postgres.refusedConnections == 0)
        // 2 refusals when the pools opened at second 0, then 39 in each of 5 ticks.
        let refused = try #require(snapshot.pgbouncer?.refusedClientConnections)
        #expect(abs(refused - (2 + 5 * 39)) < 1e-6)
    }

    @Test func noRefusalWithinTheLimit() {
        let reports = Self.tickReports(.directusDirect, ticks: 5)
        #expect(reports.allSatisfy { $0.refusedConnections == 0 })
        // Each pod keeps its 2 minimum connections at 0.3 erlangs.
        #expect(reports.allSatisfy { $0.clientConnections == 20 })
    }

    /// Created at 10: scheduled at 12, Ready at the probe at 22 (startup 8 s, probes every 5 s
    /// from 12). Deleted at 15, it never turns Ready; a pod deleted after Ready keeps its time.
    @Test func podDeletedBeforeReadyHasNoReadyTime() throws {
        var parameters = FleetParameters.directusPgBouncer
        parameters.lifecycle.startup = .fixed(8)
        var fleet = Fleet(parameters: parameters, replicas: 2, cold: false, seed: 1)
        for _ in 0..<10 { fleet.advance(arrivals: 0) }
        fleet.scale(to: 3)
        let name = try #require(fleet.snapshot.pods.last?.name)
        for _ in 0..<5 { fleet.advance(arrivals: 0) }
        fleet.scale(to: 2)
        for _ in 0..<10 { fleet.advance(arrivals: 0) }  // t = 25, past the probe at 22
        let deleted = try #require(fleet.snapshot.pods.first { $0.name == name })
        #expect(deleted.phase == .terminating)
        #expect(deleted.deletedAt == 15)
        #expect(deleted.readyAt == nil)
        #expect(deleted.warmth == 0)

        fleet.scale(to: 3)  // created at 25, scheduled at 27, Ready at 37
        let second = try #require(fleet.snapshot.pods.last?.name)
        for _ in 0..<15 { fleet.advance(arrivals: 0) }  // t = 40
        fleet.scale(to: 2)
        let ready = try #require(fleet.snapshot.pods.first { $0.name == second })
        #expect(ready.phase == .terminating)
        #expect(ready.readyAt == 37)
        #expect(ready.deletedAt == 40)
    }
}
