import Autoscaler
import Foundation
import Testing

/// The backpressure keys (databases, coldStart, database, panic, scope, category) load with the
/// values written, defaults fill what is left out, and the normalized form loads back equal.
struct PolicyBackpressureLoaderTests {
    /// Every backpressure key at least once: a database read through the Postgres exporter, one
    /// behind PgBouncer with its exporter, one with hand-written PgBouncer queries, and two
    /// targets with cold start, a database binding and panic.
    static let full = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        scrapeInterval: 15s
        databases:
          - name: main
            exporter: postgres
            selector: 'instance="db-0:9187"'
            margin: 10%
            otherClients: 4
            saturationThreshold: 85%
            budgetMaxAge: 3m
          - name: pooled
            maxConnections: 200
            reservedConnections: 5
            margin: 8
            otherClients: {query: 'sum(pg_stat_activity_count{usename="cron"})'}
            activeConnections: {query: 'sum(pg_stat_activity_count{state="active"})'}
            pgbouncer:
              exporter: true
              selector: '{database="shop"}'
              maxClientConnections: 500
              poolSize: {query: 'max(pgbouncer_databases_pool_size{database="shop"})'}
              saturationCycles: 3
          - name: manual
            maxConnections: 300
            pgbouncer:
              maxClientConnections: 1000
              poolSize: 50
              clientsWaiting: {query: 'sum(pgbouncer_pools_client_waiting_connections{database="reports"})'}
        targets:
          - namespace: cms
            name: directus
            minReplicas: 2
            maxReplicas: 20
            signals:
              - preset: ingressNginxRequestRate
              - preset: directusPodP99Latency
              - name: waiting
                query: 'sum(pgbouncer_pools_client_waiting_connections{database="{{name}}"})'
                target: "1"
                role: guard
                category: pool
              - preset: ingressNginx5xxRatio
            coldStart:
              warmup: 45s
              initialCapacity: 25%
              pendingTimeout: 2m
              maxStartingPods: 20%
            database:
              name: main
              poolSize: 10
              poolWaitingSignal: waiting
            panic:
              signal: ingressNginxRequestRate
              threshold: 2.5
              stableWindow: 90s
          - namespace: shop
            name: api
            maxReplicas: 10
            signals:
              - name: rate
                query: >-
                  sum(rate(http_requests_total{namespace="{{namespace}}", path!="/x[1m]"}[1m]))
                  + sum(rate(grpc_calls_total{namespace="{{namespace}}"}[1m]))
                target: "50"
                rule: perReplica
                scope: fleet
                category: queue
            coldStart: {warmup: 0s, maxStartingPods: 3}
            database:
              name: pooled
              poolSize: {query: 'max(directus_db_pool_max{namespace="{{namespace}}"})'}
            panic: {signal: rate, window: 45s}
        """

    /// The databases load as written: exporter queries with the selector inside their braces,
    /// percentages as fractions and durations in seconds. A key left out takes its documented
    /// default (3 reserved connections, no margin, no other clients, 90 %, 2 minutes, 2 cycles).
    @Test func databasesLoadWithEveryField() throws {
        let result = try PolicyLoader.load(text: Self.full, file: "full.yaml")
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.scrapeIntervalSeconds == 15)
        #expect(result.databases.map(\.name) == ["main", "pooled", "manual"])

        let main = try #require(result.databases.first)
        #expect(main.maxConnections == .query(#"max(pg_settings_max_connections{instance="db-0:9187"})"#))
        #expect(
            main.reservedConnections
                == .query(#"max(pg_settings_superuser_reserved_connections{instance="db-0:9187"})"#)
        )
        #expect(main.activeConnectionsQuery == #"sum(pg_stat_activity_count{state="active", instance="db-0:9187"})"#)
        #expect(main.margin == .fraction(0.1))
        #expect(main.otherClients == .fixed(4))
        #expect(main.saturationThreshold == 0.85)
        #expect(main.budgetMaxAgeSeconds == 180)
        #expect(main.pgbouncer == nil)

        let pooled = result.databases[1]
        #expect(pooled.maxConnections == .fixed(200))
        #expect(pooled.reservedConnections == .fixed(5))
        #expect(pooled.margin == .connections(8))
        #expect(pooled.otherClients == .query(#"sum(pg_stat_activity_count{usename="cron"})"#))
        #expect(pooled.activeConnectionsQuery == #"sum(pg_stat_activity_count{state="active"})"#)
        #expect(pooled.saturationThreshold == 0.9)
        #expect(pooled.budgetMaxAgeSeconds == 120)
        let bouncer = try #require(pooled.pgbouncer)
        #expect(bouncer.maxClientConnections == .fixed(500))
        #expect(bouncer.poolSize == .query(#"max(pgbouncer_databases_pool_size{database="shop"})"#))
        // The selector was written with its braces; they are dropped, not doubled.
        #expect(bouncer.clientsWaitingQuery == #"sum(pgbouncer_pools_client_waiting_connections{database="shop"})"#)
        #expect(bouncer.serversActiveQuery == #"sum(pgbouncer_pools_server_active_connections{database="shop"})"#)
        #expect(bouncer.saturationCycles == 3)
        #expect(
            pooled.queryTarget?.signals.map(\.name) == [
                "otherClients", "activeConnections", "pgbouncerPoolSize", "pgbouncerClientsWaiting",
                "pgbouncerServersActive",
            ]
        )

        let manual = result.databases[2]
        #expect(manual.maxConnections == .fixed(300))
        #expect(manual.reservedConnections == .fixed(3))
        #expect(manual.margin == .connections(0))
        #expect(manual.otherClients == .fixed(0))
        #expect(manual.activeConnectionsQuery == nil)
        #expect(
            manual.pgbouncer
                == PgBouncerPolicy(
                    maxClientConnections: .fixed(1000),
                    poolSize: .fixed(50),
                    clientsWaitingQuery: #"sum(pgbouncer_pools_client_waiting_connections{database="reports"})"#,
                    serversActiveQuery: nil,
                    saturationCycles: 2
                )
        )
    }

    /// The first target has cold start, binding and panic as written. Panic's window defaults
    /// to two 15 s scrapes (30 s), so its query is the request rate's with `[1m]` made `[30s]`.
    @Test func targetWithEveryBackpressureKey() throws {
        let result = try PolicyLoader.load(text: Self.full, file: "full.yaml")
        let target = try #require(result.targets.first)
        #expect(
            target.coldStart
                == ColdStartPolicy(
                    warmupSeconds: 45,
                    initialCapacity: 0.25,
                    pendingTimeoutSeconds: 120,
                    maxStartingPods: .percent(20)
                )
        )
        #expect(target.database == DatabaseBinding(name: "main", poolSize: .fixed(10), poolWaitingSignal: "waiting"))
        #expect(
            target.panic
                == PanicPolicy(
                    signal: "ingressNginxRequestRate",
                    windowSeconds: 30,
                    threshold: 2.5,
                    stableWindowSeconds: 90,
                    signalWindowSeconds: 60
                )
        )
        #expect(
            target.signals.map(\.name) == [
                "ingressNginxRequestRate", "directusPodP99Latency", "waiting", "ingressNginx5xxRatio",
                "ingressNginxRequestRate@panic",
            ]
        )
        #expect(target.signals.map(\.role) == [.scale, .scale, .guard, .guard, .panic])
        #expect(target.signals.map(\.scope) == [.fleet, .pod, .fleet, .fleet, .fleet])
        #expect(target.signals.map(\.category) == [.load, .latency, .pool, .errors, .load])

        let panic = target.signals[4]
        #expect(
            panic.query
                == #"sum by (namespace, ingress) (rate(nginx_ingress_controller_requests{namespace="{{namespace}}", "#
                + #"ingress="{{ingress}}"}[30s]))"#
        )
        #expect(panic.rule == .perReplica)
        #expect(panic.threshold == 35)
        #expect(panic.labels == ["namespace": "{{namespace}}", "ingress": "{{name}}"])
        #expect(target.needsPods)
    }

    /// The second target: `warmup: 0s` is no warm-up, a percent-free cap is a pod count, panic's
    /// window replaces both range selectors but not the `[1m]` inside a label value, and a
    /// queried pool size adds the pool-size signal.
    @Test func targetWithQueriedPoolSize() throws {
        let result = try PolicyLoader.load(text: Self.full, file: "full.yaml")
        #expect(result.targets.count == 2)
        let target = try #require(result.targets.last)
        #expect(
            target.coldStart
                == ColdStartPolicy(
                    warmupSeconds: 0,
                    initialCapacity: 0.5,
                    pendingTimeoutSeconds: 300,
                    maxStartingPods: .pods(3)
                )
        )
        #expect(
            target.panic
                == PanicPolicy(
                    signal: "rate",
                    windowSeconds: 45,
                    threshold: 2,
                    stableWindowSeconds: 60,
                    signalWindowSeconds: 60
                )
        )
        #expect(target.signals.map(\.name) == ["rate", "rate@panic", "database@poolSize"])
        #expect(target.signals.map(\.role) == [.scale, .panic, .poolSize])
        #expect(target.signals[0].category == .queue)
        #expect(
            target.signals[1].query
                == #"sum(rate(http_requests_total{namespace="{{namespace}}", path!="/x[1m]"}[45s])) "#
                + #"+ sum(rate(grpc_calls_total{namespace="{{namespace}}"}[45s]))"#
        )
        let pool = target.signals[2]
        #expect(pool.query == #"max(directus_db_pool_max{namespace="{{namespace}}"})"#)
        #expect(pool.category == .pool)
        #expect(pool.rule == nil)
        #expect(
            target.database
                == DatabaseBinding(
                    name: "pooled",
                    poolSize: .query(#"max(directus_db_pool_max{namespace="{{namespace}}"})"#)
                )
        )
    }

    /// Panic's default window is the larger of 6 s and two scrape intervals.
    @Test(arguments: [
        ("", 30.0, "30s"), ("scrapeInterval: 5s", 10, "10s"), ("scrapeInterval: 2s", 6, "6s"),
        ("scrapeInterval: 500ms", 6, "6s"),
    ])
    func panicWindowDefault(interval: String, window: Double, range: String) throws {
        let text = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            \(interval)
            targets:
              - namespace: shop
                name: api
                maxReplicas: 10
                signals: [{name: rate, query: 'sum(rate(a_total[1m]))', target: "50", rule: perReplica}]
                panic: {signal: rate}
            """
        let result = try PolicyLoader.load(text: text, file: "window.yaml")
        #expect(result.problems.isEmpty, "\(result.problems)")
        let target = try #require(result.targets.first)
        #expect(target.panic?.windowSeconds == window)
        #expect(target.signals.last?.query == "sum(rate(a_total[\(range)]))")
    }

    /// A policy with 2 s scrapes and a 4 s panic window: rendered without its scrapeInterval
    /// it would load back under the default 15 s and fail, so this guards that line. Its
    /// shares are ones whose percentage is awkward in binary floating point.
    static let shortScrape = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        scrapeInterval: 2s
        databases: [{name: main, maxConnections: 100, margin: 0.07}]
        targets:
          - namespace: shop
            name: api
            maxReplicas: 10
            signals: [{name: rate, query: 'sum(rate(a_total[1m]))', target: "50", rule: perReplica}]
            coldStart: {initialCapacity: 0.3333333333333333, maxStartingPods: 1000%}
            database: {name: main, poolSize: 4}
            panic: {signal: rate, window: 4s, threshold: 3}
        """

    static let scheduled = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: shop
            name: api
            maxReplicas: 40
            signals: [{name: rate, query: 'sum(rate(a_total[1m]))', target: "50", rule: perReplica}]
            panic: {signal: rate, lookahead: 30s}
            schedules:
              - {name: sale, start: "2026-12-24T12:00", end: "2026-12-24T14:00", replicas: 30, leadTime: 10m, timeZone: Europe/Berlin}
              - {name: launch, start: "2026-12-01T09:00:00+01:00", end: "2026-12-01T10:00:00Z", replicas: 20}
              - {name: lunch, start: "11:30", end: "13:30", days: [Mon, Fri], replicas: 12, timeZone: America/New_York}
        """

    /// Render, then load: equal targets, databases and scrape interval, no problems.
    @Test(arguments: ["full", "shortScrape", "scheduled", "example"])
    func normalizedFormRoundTrips(policy: String) throws {
        let original: PolicyLoadResult
        switch policy {
        case "full": original = try PolicyLoader.load(text: Self.full, file: "full.yaml")
        case "shortScrape": original = try PolicyLoader.load(text: Self.shortScrape, file: "short.yaml")
        case "scheduled": original = try PolicyLoader.load(text: Self.scheduled, file: "scheduled.yaml")
        default: original = try PolicyLoader.load(path: Self.examplePath)
        }
        #expect(original.problems.isEmpty, "\(original.problems)")
        let text = PolicyRenderer.render(original)
        let reloaded = try PolicyLoader.load(text: text, file: "normalized.yaml")
        #expect(reloaded.problems.isEmpty, "\(reloaded.problems)\n\(text)")
        #expect(reloaded.targets == original.targets)
        #expect(reloaded.databases == original.databases)
        #expect(reloaded.scrapeIntervalSeconds == original.scrapeIntervalSeconds)
    }

    /// The normalized form spells each new field the way an operator writes it, and leaves out
    /// the derived signals and the exporter shorthand.
    @Test func normalizedFormSpellsNewFields() throws {
        let result = try PolicyLoader.load(text: Self.full, file: "full.yaml")
        let lines = Set(
            PolicyRenderer.render(result).split(separator: "\n").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        )
        for expected in [
            "scrapeInterval: 15s", "margin: 10%", "margin: 8", "saturationThreshold: 85%", "budgetMaxAge: 3m",
            "saturationCycles: 3", "warmup: 45s", "warmup: 0s", "initialCapacity: 25%", "pendingTimeout: 2m",
            "maxStartingPods: 20%", "maxStartingPods: 3", "window: 30s", "threshold: 2.5", "stableWindow: 1m30s",
            "poolWaitingSignal: waiting", "scope: pod", "category: queue", "maxClientConnections: 500",
        ] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        let text = PolicyRenderer.render(result)
        for absent in ["@panic", "database@poolSize", "role: panic", "role: poolSize", "exporter:", "selector:"] {
            #expect(!text.contains(absent), "unexpected \(absent)")
        }
        let short = try PolicyLoader.load(text: Self.shortScrape, file: "short.yaml")
        let shortText = PolicyRenderer.render(short)
        // 1/3 has no exact percentage; 0.07 does, though 0.07 × 100 is 7.000000000000001.
        #expect(shortText.contains("initialCapacity: 0.3333333333333333\n"))
        #expect(shortText.contains("margin: 7%\n"))
        #expect(shortText.contains("maxStartingPods: 1000%\n"))
        #expect(shortText.contains("scrapeInterval: 2s\n"))
    }

    /// The Directus and PgBouncer example loads with no problem, with the values its comments state.
    @Test func directusPgBouncerExampleLoads() throws {
        let result = try PolicyLoader.load(path: Self.examplePath)
        #expect(result.problems.isEmpty, "\(result.problems)")
        let database = try #require(result.databases.first)
        #expect(database.maxConnections == .query(#"max(pg_settings_max_connections{job="postgres-exporter"})"#))
        #expect(database.margin == .fraction(0.1))
        #expect(database.otherClients == .fixed(5))
        let bouncer = try #require(database.pgbouncer)
        #expect(bouncer.maxClientConnections == .fixed(400))
        #expect(bouncer.clientsWaitingQuery == #"sum(pgbouncer_pools_client_waiting_connections{database="directus"})"#)
        #expect(bouncer.serversActiveQuery == #"sum(pgbouncer_pools_server_active_connections{database="directus"})"#)
        // So 400 − 40 kept free − 5 others = 355 usable, enough for maxReplicas 30 × pool 10 = 300.
        let target = try #require(result.targets.first)
        #expect((target.minReplicas, target.maxReplicas) == (2, 30))
        #expect(target.database == DatabaseBinding(name: "directus", poolSize: .fixed(10)))
        #expect(
            target.coldStart
                == ColdStartPolicy(
                    warmupSeconds: 30,
                    initialCapacity: 0.5,
                    pendingTimeoutSeconds: 300,
                    maxStartingPods: .percent(100)
                )
        )
        #expect(
            target.panic
                == PanicPolicy(
                    signal: "ingressNginxRequestRate",
                    windowSeconds: 30,
                    threshold: 2,
                    stableWindowSeconds: 60,
                    lookaheadSeconds: 30,
                    signalWindowSeconds: 60
                )
        )
        #expect(target.signals.map(\.role) == [.scale, .scale, .guard, .guard, .panic])
        #expect(target.signals.map(\.category) == [.load, .latency, .pool, .errors, .load])
        #expect(target.signals[4].query.contains("[30s]"))
        #expect(!target.signals[4].query.contains("[1m]"))
        // 12:00 on 24 December in Berlin is 11:00 UTC (CET, UTC+1); the floor applies from
        // 15 min before, at 10:45 UTC, until 13:00 UTC.
        #expect(target.schedules.map(\.name) == ["christmas-flash-sale"])
        let utc = { (hour: Int, minute: Int) in
            Date(timeIntervalSince1970: 1_798_070_400 + Double(hour * 3600 + minute * 60))
        }
        #expect(target.schedules.first?.isActive(at: utc(10, 44)) == false)
        #expect(target.schedules.first?.isActive(at: utc(10, 45)) == true)
        #expect(target.schedules.first?.isActive(at: utc(12, 59)) == true)
        #expect(target.schedules.first?.isActive(at: utc(13, 0)) == false)
    }

    /// `examples/directus-pgbouncer.yaml`, found from this file's path.
    static var examplePath: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("examples/directus-pgbouncer.yaml")
            .path
    }
}
