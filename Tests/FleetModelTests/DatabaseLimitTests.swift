import Testing

@testable import FleetModel

/// Demand for connections beyond `max_connections`, with the refusals counted by hand.
@Suite struct DatabaseLimitTests {
    /// 10 warm pods on a direct fleet whose PostgreSQL leaves 17 connections for the fleet
    /// (20 − 3 reserved), 30 requests/s per pod for 60 s.
    ///
    /// At start, pods 1–8 open their 2 minimum connections (16), pod 9 opens 1 (17) and its
    /// second attempt is refused, pod 10's first attempt is refused: 2 refusals. Every second
    /// after that:
    /// - pod 9 (1 connection, load 30 × 0.01 = 0.3 erlang) has every connection busy for a
    ///   share 0.3 of its requests (Erlang C with one server is the load), so it tries and fails
    ///   30 × 0.3 = 9 times;
    /// - pod 10 (no connection) fails once for each of its 30 requests.
    /// 60 s × 39 + 2 = 2,342 refusals. Pod 10's requests wait the 10 s acquire timeout and get
    /// 503: at the start of the last tick (second 59) those that arrived before second 49 have
    /// waited 10 s, 49 × 30 = 1,470.
    @Test func refusalsBeyondMaxConnections() {
        var parameters = FleetParameters.directusDirect
        parameters.database.maxConnections = 20
        var fleet = Fleet(parameters: parameters, replicas: 10, cold: false, seed: 1)
        var unavailable = 0.0
        for _ in 0..<60 {
            unavailable += fleet.advance(arrivals: 300).requests.unavailable
        }
        let snapshot = fleet.snapshot
        #expect(abs(snapshot.postgres.refusedConnections - 2342) < 1e-6)
        #expect(abs(unavailable - 1470) < 1e-6)
        let opened = snapshot.pods.map { $0.poolActive + $0.poolIdle }
        #expect(opened.reduce(0, +) <= 17 + 1e-9)
        #expect(abs(snapshot.pods.map(\.connectionErrors).reduce(0, +) - 2342) < 1e-6)
    }

    /// PgBouncer holds at most `default_pool_size` server connections, so PostgreSQL never sees
    /// more than 40 from 60 pods with full pools.
    @Test func pgbouncerCapsServerConnections() {
        var fleet = Fleet(parameters: .directusPgBouncer, replicas: 60, cold: false, seed: 1)
        for _ in 0..<30 { fleet.advance(arrivals: 60 * 45) }
        let snapshot = fleet.snapshot
        let postgresConnections = snapshot.postgres.activeConnections + snapshot.postgres.idleConnections
        #expect(postgresConnections <= 40)
        #expect(snapshot.postgres.refusedConnections == 0)
        // 60 pods × 45 requests/s × 10 ms = 27 active queries, below the 32 before slowdown.
        #expect(abs(snapshot.postgres.activeConnections - 27) < 1e-6)
    }
}
