import Testing

@testable import RealStack

/// The row-to-metric mapping on results shaped like PgBouncer 1.18's (column lists copied from
/// `SHOW POOLS`, `SHOW DATABASES` and `SHOW STATS` on Debian 12's pgbouncer 1.18.0).
@Suite struct PgBouncerMetricsTests {
    static let poolColumns = [
        "database", "user", "cl_active", "cl_waiting", "cl_active_cancel_req", "cl_waiting_cancel_req",
        "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_idle", "sv_used", "sv_tested", "sv_login",
        "maxwait", "maxwait_us", "pool_mode",
    ]
    static let databaseColumns = [
        "name", "host", "port", "database", "force_user", "pool_size", "min_pool_size", "reserve_pool",
        "pool_mode", "max_connections", "current_connections", "paused", "disabled",
    ]
    static let statsColumns = [
        "database", "total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time",
        "total_query_time", "total_wait_time", "avg_xact_count", "avg_query_count", "avg_recv", "avg_sent",
        "avg_xact_time", "avg_query_time", "avg_wait_time",
    ]

    static func results() -> [String: PgBouncerMetrics.Result] {
        [
            "SHOW POOLS;": PgBouncerMetrics.Result(
                columns: poolColumns,
                rows: [
                    [
                        "app", "app", "2", "18", "0", "0", "2", "0", "0", "0", "0", "0", "0", "3", "250000",
                        "transaction",
                    ]
                ]
            ),
            "SHOW DATABASES;": PgBouncerMetrics.Result(
                columns: databaseColumns,
                rows: [
                    [
                        "pgbouncer", nil, "6432", "pgbouncer", "pgbouncer", "2", "0", "0", "statement", "0", "0", "0",
                        "0",
                    ],
                    ["app", "127.0.0.1", "5432", "app", "app", "2", "0", "0", nil, "0", "2", "0", "0"],
                ]
            ),
            "SHOW STATS;": PgBouncerMetrics.Result(
                columns: statsColumns,
                rows: [
                    [
                        "app", "40", "41", "5000", "6000", "20500000", "20000000", "1500000", "1", "1", "0", "0", "0",
                        "0", "0",
                    ]
                ]
            ),
        ]
    }

    @Test func poolGaugesUseGoExporterNames() {
        let text = PgBouncerMetrics.render(Self.results())
        let labels = ["database": "app", "user": "app"]
        #expect(PrometheusText.value(of: "pgbouncer_up", in: text) == 1)
        #expect(PrometheusText.value(of: "pgbouncer_pools_client_active_connections", labels: labels, in: text) == 2)
        #expect(PrometheusText.value(of: "pgbouncer_pools_client_waiting_connections", labels: labels, in: text) == 18)
        #expect(PrometheusText.value(of: "pgbouncer_pools_server_active_connections", labels: labels, in: text) == 2)
        #expect(PrometheusText.value(of: "pgbouncer_pools_server_idle_connections", labels: labels, in: text) == 0)
        // maxwait is whole seconds (3); maxwait_us (0.25 s) is not added, as in the Go exporter.
        #expect(PrometheusText.value(of: "pgbouncer_pools_client_maxwait_seconds", labels: labels, in: text) == 3)
        #expect(text.contains("# TYPE pgbouncer_pools_client_waiting_connections gauge\n"))
    }

    @Test func databaseLabelsIncludeNullAsEmpty() {
        let text = PgBouncerMetrics.render(Self.results())
        let admin = PrometheusText.samples(
            named: "pgbouncer_databases_pool_size",
            labels: ["name": "pgbouncer"],
            in: text
        )
        #expect(admin.count == 1)
        #expect(admin.first?.labels["host"] == "")
        #expect(admin.first?.labels["pool_mode"] == "statement")
        let app = PrometheusText.samples(
            named: "pgbouncer_databases_current_connections",
            labels: ["name": "app"],
            in: text
        )
        #expect(app.first?.value == 2)
        #expect(app.first?.labels["pool_mode"] == "")
        #expect(app.first?.labels["port"] == "5432")
    }

    @Test func statsCountersScaledToSeconds() {
        let text = PgBouncerMetrics.render(Self.results())
        let labels = ["database": "app"]
        #expect(PrometheusText.value(of: "pgbouncer_stats_queries_pooled_total", labels: labels, in: text) == 41)
        #expect(
            PrometheusText.value(of: "pgbouncer_stats_sql_transactions_pooled_total", labels: labels, in: text) == 40
        )
        // 20,000,000 µs of query time is 20 s; 1,500,000 µs of waiting is 1.5 s; 20,500,000 µs is 20.5 s.
        #expect(
            PrometheusText.value(of: "pgbouncer_stats_queries_duration_seconds_total", labels: labels, in: text) == 20
        )
        #expect(PrometheusText.value(of: "pgbouncer_stats_client_wait_seconds_total", labels: labels, in: text) == 1.5)
        #expect(
            PrometheusText.value(of: "pgbouncer_stats_server_in_transaction_seconds_total", labels: labels, in: text)
                == 20.5
        )
        #expect(PrometheusText.value(of: "pgbouncer_stats_received_bytes_total", labels: labels, in: text) == 5000)
        #expect(text.contains("# TYPE pgbouncer_stats_queries_pooled_total counter\n"))
    }

    @Test func failedScrapeServesOnlyUpZero() {
        let text = PgBouncerMetrics.render(nil)
        let samples = PrometheusText.parse(text)
        #expect(samples.count == 1)
        #expect(samples.first?.name == "pgbouncer_up")
        #expect(samples.first?.value == 0)
    }

    @Test func missingColumnAndNonNumericValueLeftOut() {
        let result = PgBouncerMetrics.Result(
            columns: ["database", "user", "cl_active"],
            rows: [["a", "u", "not-a-number"], ["b", "u", "4"]]
        )
        let text = PgBouncerMetrics.render(["SHOW POOLS;": result])
        let active = PrometheusText.samples(named: "pgbouncer_pools_client_active_connections", in: text)
        #expect(active.map { $0.labels } == [["database": "b", "user": "u"]])
        #expect(active.map { $0.value } == [4])
        #expect(PrometheusText.samples(named: "pgbouncer_pools_client_waiting_connections", in: text).isEmpty)
    }

    @Test func labelValuesEscaped() {
        #expect(PgBouncerMetrics.escapeLabel("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
    }
}
