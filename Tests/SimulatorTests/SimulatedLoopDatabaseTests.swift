import Autoscaler
import FleetModel
import Foundation
import MetricsClient
import Testing

@testable import Simulator

/// The daemon's control loop, run by the simulator, reads the database's default queries and
/// the target's pods every cycle.
@Suite struct SimulatedLoopDatabaseTests {
    static let policy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        databases:
          - name: main
            exporter: postgres
        targets:
          - namespace: shop
            name: api
            minReplicas: 2
            maxReplicas: 100
            database:
              name: main
              poolSize: 10
            signals:
              - preset: ingressNginxRequestRate
        """

    /// The smoke ramp on the fleet without PgBouncer. Scrapes and cycles both fall every 15 s
    /// from 0 s, scrape first, so each reading is 0 s old: `max_connections` 100 and
    /// `superuser_reserved_connections` 3 as the fleet sets them. The PgBouncer queries are not
    /// in the policy.
    @Test func loopReadsDatabaseAndPods() async throws {
        let loaded = try PolicyLoader.load(text: Self.policy, file: "test.yaml")
        let target = try #require(loaded.targets.first)
        #expect(target.needsPods)
        var scenario = SimulationScenarios.smokeScenario
        scenario.fleet = .directusDirect
        let runner = SimulationRunner(scenario: scenario, duration: 120)
        let world = runner.makeWorld(seed: 1, keepsJournal: true)
        let run = try await runner.runHeadroom(target, databases: loaded.databases, seed: 1, world: world)

        let journal = world.journal
        // 120 s at one cycle per 15 s: cycles at 0, 15, …, 105.
        #expect(journal.count == 8)
        for entry in journal {
            let readings = try #require(entry.databaseOutcomes["main"], "cycle at \(entry.time) s")
            #expect(readings["maxConnections"] == .value(100, age: .zero), "cycle at \(entry.time) s")
            #expect(readings["reservedConnections"] == .value(3, age: .zero), "cycle at \(entry.time) s")
            #expect(readings["activeConnections"]?.finiteValue != nil, "cycle at \(entry.time) s")
            #expect(readings.count == 3)
            // Every pod the Deployment wants exists and is not terminating.
            let pods = try #require(entry.pods, "cycle at \(entry.time) s")
            #expect(pods.filter { !$0.isTerminating }.count == entry.specReplicas)
        }
        // The first 120 s run at 20 requests/s: pools at their minimum of 2 stay far below 97.
        #expect(run.scores.databaseBudgetBreaches == 0)
    }
}
