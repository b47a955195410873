import Autoscaler
import FleetModel
import Foundation
import MetricsClient
import Testing

@testable import Simulator

/// The database budget's default queries, evaluated from the exporter gauges the virtual
/// Prometheus scrapes, against values worked out by hand.
@Suite struct DatabaseSignalTests {
    static func signal(_ query: String, name: String = "reading") -> SignalPolicy {
        SignalPolicy(
            name: name,
            query: query,
            target: SignalTarget(dimension: .count, baseValue: 1, text: "1"),
            rule: nil,
            role: .guard
        )
    }

    @Test func defaultQueriesAreRecognizedWithOrWithoutSelector() throws {
        let expected: [(String, DatabaseSeries)] = [
            ("max(pg_settings_max_connections)", .maxConnections),
            (#"max(pg_settings_max_connections{instance="db-0:9187"})"#, .maxConnections),
            ("max(pg_settings_superuser_reserved_connections)", .reservedConnections),
            (#"max( pg_settings_superuser_reserved_connections{ instance = "db-0:9187" } )"#, .reservedConnections),
            (#"sum(pg_stat_activity_count{state="active"})"#, .activeConnections),
            (#"sum(pg_stat_activity_count{state="active",instance="db-0:9187"})"#, .activeConnections),
            (#"sum(pg_stat_activity_count{instance="db-0:9187",state="active",})"#, .activeConnections),
            ("sum(pgbouncer_pools_client_waiting_connections)", .pgbouncerClientsWaiting),
            (#"sum(pgbouncer_pools_client_waiting_connections{job="pgbouncer"})"#, .pgbouncerClientsWaiting),
            (#"max(pg_settings_max_connections{instance=~"db-.*", job!="other"})"#, .maxConnections),
            ("sum(pgbouncer_pools_server_active_connections)", .pgbouncerServersActive),
            (#"sum(pgbouncer_pools_server_active_connections{instance="a,b\"c"})"#, .pgbouncerServersActive),
        ]
        for (query, series) in expected {
            #expect(try SimulatedSignal(Self.signal(query)) == .database(series), "\(query)")
        }
    }

    @Test func otherDatabaseQueriesAreRejected() {
        let rejected = [
            "sum(pg_stat_activity_count)",
            #"sum(pg_stat_activity_count{state="idle in transaction"})"#,
            #"sum(pg_stat_activity_count{state="active",state="idle"})"#,
            #"sum(pg_stat_activity_count{state=~"active"})"#,
            #"max(pg_settings_max_connections{state="active"})"#,
            "avg(pg_settings_max_connections)",
            "max(pg_settings_max_connections) - 10",
            #"max(pg_settings_max_connections{instance="db-0)"#,
        ]
        for query in rejected {
            #expect(throws: SimulationError.unsupportedSignal(name: "reading", query: query), "\(query)") {
                try SimulatedSignal(Self.signal(query))
            }
        }
    }

    /// 10 warm pods at 300 requests/s for 15 s, scraped at 0 s and at 15 s. Each pod keeps its 2
    /// minimum connections (0.3 erlangs), so PostgreSQL (direct) has 20. At 0 s no query has
    /// run; at 15 s the last tick's 300 queries of 10 ms keep 3 connections active.
    static func scraped(_ parameters: FleetParameters) -> VirtualPrometheus {
        var fleet = Fleet(parameters: parameters, replicas: 10, cold: false, seed: 1)
        var prometheus = VirtualPrometheus()
        prometheus.scrape(fleet.snapshot, at: 0)
        for _ in 0..<15 { fleet.advance(arrivals: 300) }
        prometheus.scrape(fleet.snapshot, at: 15)
        return prometheus
    }

    static func value(_ query: String, _ prometheus: VirtualPrometheus, at time: Double) throws -> SampleOutcome {
        let policy = signal(query)
        return SimulatedSignalSource.outcome(
            try SimulatedSignal(policy),
            policy: policy,
            prometheus: prometheus,
            at: time
        )
    }

    @Test func postgresSeriesAtKnownTicks() throws {
        let prometheus = Self.scraped(.directusDirect)
        let active = #"sum(pg_stat_activity_count{state="active"})"#
        // Between the scrapes the query returns the 0 s sample, 10 s old.
        #expect(
            try Self.value("max(pg_settings_max_connections)", prometheus, at: 10) == .value(100, age: .seconds(10))
        )
        #expect(
            try Self.value("max(pg_settings_superuser_reserved_connections)", prometheus, at: 10)
                == .value(3, age: .seconds(10))
        )
        #expect(try Self.value(active, prometheus, at: 10) == .value(0, age: .seconds(10)))
        #expect(
            try Self.value(#"sum(pg_stat_activity_count{state="idle"})"#, prometheus, at: 10)
                == .value(20, age: .seconds(10))
        )

        // 300 × 10 ms = 3 active, 20 − 3 = 17 idle.
        let outcome = try Self.value(active, prometheus, at: 20)
        let value = try #require(outcome.finiteValue)
        #expect(abs(value - 3) < 1e-12)
        #expect(outcome == .value(value, age: .seconds(5)))
        let idle = try #require(
            try Self.value(#"sum(pg_stat_activity_count{state="idle"})"#, prometheus, at: 20).finiteValue
        )
        #expect(abs(idle - 17) < 1e-12)

        // No PgBouncer exporter on a direct fleet: its queries return no series.
        #expect(try Self.value("sum(pgbouncer_pools_client_waiting_connections)", prometheus, at: 20) == .empty)
        #expect(try Self.value("sum(pgbouncer_pools_server_active_connections)", prometheus, at: 20) == .empty)
        // Nothing was scraped before 0 s.
        #expect(try Self.value("max(pg_settings_max_connections)", prometheus, at: -1) == .empty)
    }

    /// Behind PgBouncer the 300 queries/s need 3 server connections, all active; waiting at 3
    /// erlangs on 40 servers is Erlang C 8e-31 of the arrivals, so 0 to far below 1e-20.
    @Test func pgbouncerSeriesAtKnownTicks() throws {
        let prometheus = Self.scraped(.directusPgBouncer)
        let servers = try #require(
            try Self.value("sum(pgbouncer_pools_server_active_connections)", prometheus, at: 15).finiteValue
        )
        #expect(abs(servers - 3) < 1e-12)
        #expect(
            try Self.value("sum(pgbouncer_pools_server_active_connections)", prometheus, at: 5)
                == .value(0, age: .seconds(5))
        )
        let waiting = try #require(
            try Self.value("sum(pgbouncer_pools_client_waiting_connections)", prometheus, at: 15).finiteValue
        )
        #expect(waiting >= 0)
        #expect(waiting < 1e-20)
        // PostgreSQL counts PgBouncer's 3 server connections, not the pools' 20.
        let idle = try #require(
            try Self.value(#"sum(pg_stat_activity_count{state="idle"})"#, prometheus, at: 15).finiteValue
        )
        #expect(abs(idle) < 1e-12)
    }

    static let database = DatabasePolicy(
        name: "main",
        maxConnections: .query(#"max(pg_settings_max_connections{instance="db-0:9187"})"#),
        reservedConnections: .query("max(pg_settings_superuser_reserved_connections)"),
        activeConnectionsQuery: #"sum(pg_stat_activity_count{state="active"})"#,
        pgbouncer: PgBouncerPolicy(
            maxClientConnections: .fixed(1000),
            poolSize: .fixed(40),
            clientsWaitingQuery: "sum(pgbouncer_pools_client_waiting_connections)",
            serversActiveQuery: "sum(pgbouncer_pools_server_active_connections)"
        )
    )

    /// The loop reads the database's pseudo-target in the same batch as the target.
    @Test func sourceAnswersTheDatabasePseudoTarget() async throws {
        let fleet = Fleet(parameters: .directusPgBouncer, replicas: 2, cold: false, seed: 1)
        var prometheus = VirtualPrometheus()
        prometheus.scrape(fleet.snapshot, at: 0)
        let epoch = Date(timeIntervalSince1970: 1_800_000_000)
        let world = SimulationWorld(fleet: fleet, prometheus: prometheus, epoch: epoch, keepsJournal: true)
        let target = TargetPolicy(namespace: "shop", name: "api", maxReplicas: 10, signals: [])
        let source = try SimulatedSignalSource(world: world, targets: [target], databases: [Self.database])
        let pseudo = try #require(Self.database.queryTarget)
        #expect(pseudo.namespace == "@databases")

        let result = await source.outcomes(for: [target, pseudo], at: epoch.addingTimeInterval(15))
        let readings = try #require(result[pseudo.identity])
        let age = Duration.seconds(15)
        #expect(readings["maxConnections"] == .value(100, age: age))
        #expect(readings["reservedConnections"] == .value(3, age: age))
        // No query has run yet; both pods keep their 2 minimum connections at PgBouncer.
        #expect(readings["activeConnections"] == .value(0, age: age))
        #expect(readings["pgbouncerClientsWaiting"] == .value(0, age: age))
        #expect(readings["pgbouncerServersActive"] == .value(0, age: age))
        #expect(readings.count == 5)

        // One journal entry for the one real target, carrying the database's readings.
        let journal = world.journal
        #expect(journal.count == 1)
        #expect(journal.first?.databaseOutcomes["main"] == readings)
    }

    @Test func unsupportedDatabaseQueryNamesDatabaseAndReading() {
        var database = Self.database
        database.otherClients = .query("sum(pg_stat_activity_count{usename!=\"directus\"})")
        let world = SimulationRunner(scenario: SimulationScenarios.smokeScenario).makeWorld(seed: 1)
        let query = "sum(pg_stat_activity_count{usename!=\"directus\"})"
        #expect(
            throws: SimulationError.unsupportedDatabaseQuery(database: "main", reading: "otherClients", query: query)
        ) {
            try SimulatedSignalSource(world: world, targets: [], databases: [database])
        }
        let message = SimulationError.unsupportedDatabaseQuery(database: "main", reading: "otherClients", query: query)
            .description
        #expect(message.contains("database \"main\" reads otherClients"))
        #expect(message.contains("max(pg_settings_max_connections)"))

        // The simulation's set-up checks its databases before any run.
        let target = TargetPolicy(namespace: "shop", name: "api", maxReplicas: 10, signals: [])
        #expect(
            throws: SimulationError.unsupportedDatabaseQuery(database: "main", reading: "otherClients", query: query)
        ) {
            try Simulation(target: target, databases: [database]).validate()
        }
        #expect(throws: Never.self) { try Simulation(target: target, databases: [Self.database]).validate() }
    }
}
