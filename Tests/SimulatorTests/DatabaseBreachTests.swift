import FleetModel
import Testing

@testable import Simulator

/// "DB breaches" counts the ticks in which a connection was refused or the connections held
/// exceeded what the database allows.
@Suite struct DatabaseBreachTests {
    /// 10 warm pods held at 10 replicas, 300 requests/s for 30 s.
    static func breaches(_ fleet: FleetParameters) async -> Double {
        let scenario = Scenario(
            name: "limit",
            summary: "10 pods at 300/s",
            fleet: fleet,
            load: SteadyLoad(requestsPerSecond: 300, duration: 30),
            minReplicas: 10,
            maxReplicas: 10,
            startReplicas: 10
        )
        let run = await SimulationRunner(scenario: scenario).runBaseline(FixedReplicas(replicas: 10), seed: 1)
        return run.scores.databaseBudgetBreaches
    }

    /// With 17 connections allowed, pod 10 never gets one: each tick its pool wants its 2
    /// minimum connections and is refused, so all 30 ticks breach.
    @Test func refusedByPostgresEveryTick() async {
        var parameters = FleetParameters.directusDirect
        parameters.database.maxConnections = 20
        #expect(await Self.breaches(parameters) == 30)
    }

    /// The same refusals by PgBouncer at `max_client_conn` 17 breach too.
    @Test func refusedByPgBouncerEveryTick() async {
        var parameters = FleetParameters.directusPgBouncer
        parameters.pgbouncer?.maxClientConnections = 17
        #expect(await Self.breaches(parameters) == 30)
    }

    /// 20 connections of 97 allowed: no breach.
    @Test func withinTheLimitNoBreach() async {
        #expect(await Self.breaches(.directusDirect) == 0)
    }

    static func report(database: Double, clients: Double, refused: Double) -> TickReport {
        TickReport(
            time: 1,
            arrivals: 0,
            requests: StatusCounts(),
            latency: LatencyHistogram(),
            readyPods: 0,
            startingPods: 0,
            pendingPods: 0,
            terminatingPods: 0,
            databaseConnections: database,
            queueDepth: 0,
            clientConnections: clients,
            refusedConnections: refused
        )
    }

    /// PostgreSQL allows 100 − 3 = 97 connections; PgBouncer accepts 1,000 clients.
    @Test func heldConnectionsAboveTheLimitBreach() {
        let direct = DatabaseLimits(.directusDirect)
        #expect(!direct.isBreached(by: Self.report(database: 97, clients: 97, refused: 0)))
        #expect(direct.isBreached(by: Self.report(database: 98, clients: 98, refused: 0)))
        #expect(direct.isBreached(by: Self.report(database: 10, clients: 10, refused: 1)))

        let pooled = DatabaseLimits(.directusPgBouncer)
        #expect(!pooled.isBreached(by: Self.report(database: 40, clients: 1000, refused: 0)))
        #expect(pooled.isBreached(by: Self.report(database: 40, clients: 1001, refused: 0)))
        #expect(pooled.isBreached(by: Self.report(database: 98, clients: 100, refused: 0)))
    }
}
