import FleetModel

/// The exporter pages of one tick. They are rendered when scraped, not every tick: with time
/// compression most ticks are never scraped, and rendering 100 pods' pages costs more than the
/// tick itself.
public struct ExporterPages: Sendable {
    let exporters: FleetExporters
    let snapshot: FleetSnapshot?

    /// Names of the pods that have a page.
    public var podNames: [String] { snapshot?.pods.map(\.name) ?? [] }

    /// Renders `/pods/<name>/metrics`; nil for a pod not in the fleet.
    public func pod(_ name: String) -> String? {
        guard let pod = snapshot?.pods.first(where: { $0.name == name }) else { return nil }
        let split = exporters.podSplits[name] ?? StatusSplitHistogram(bounds: FleetExporters.requestBuckets)
        return FleetExporters.podPage(pod, split: split)
    }

    public var ingress: String { snapshot.map(exporters.ingressPage) ?? "" }
    /// Nil for a fleet without PgBouncer.
    public var pgbouncer: String? { snapshot?.pgbouncer.map(exporters.pgbouncerPage) }
    public var postgres: String { snapshot.map { exporters.postgresPage($0.postgres) } ?? "" }
}

/// Renders the model's snapshot under the names the real exporters publish (see
/// docs/testbed.md). Counters are the model's cumulative counts; latencies are model seconds.
///
/// Keeps the per-status histogram splits between ticks, so one value renders a whole run.
public struct FleetExporters: Sendable {
    public let namespace: String
    public let deployment: String
    /// The database user in PgBouncer's pool labels.
    public let databaseUser = "directus"

    /// Buckets of `directus_request_duration_seconds`: the client library defaults plus finer
    /// steps around typical p99 targets and the 30 s request timeout.
    public static let requestBuckets: [Double] = [
        0.005, 0.01, 0.02, 0.025, 0.05, 0.075, 0.1, 0.2, 0.25, 0.3, 0.5, 0.75, 1, 2, 2.5, 5, 10, 30, 60,
    ]
    /// Buckets of `nginx_ingress_controller_request_duration_seconds` (ingress-nginx defaults).
    public static let ingressBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Buckets of Directus core's `directus_db_pg_response_time_ms`, in milliseconds.
    public static let queryBucketsMilliseconds: [Double] = [1, 10, 20, 40, 60, 80, 100, 200, 500, 750, 1000]

    private(set) var podSplits: [String: StatusSplitHistogram] = [:]
    private(set) var ingressSplit = StatusSplitHistogram(bounds: FleetExporters.ingressBuckets)

    public init(namespace: String, deployment: String) {
        self.namespace = namespace
        self.deployment = deployment
    }

    /// Adds the snapshot's new observations to the status splits and returns its pages.
    public mutating func render(_ snapshot: FleetSnapshot) -> ExporterPages {
        var present: Set<String> = []
        for pod in snapshot.pods {
            present.insert(pod.name)
            var split = podSplits[pod.name] ?? StatusSplitHistogram(bounds: Self.requestBuckets)
            split.update(histogram: pod.latency, requests: pod.requests)
            podSplits[pod.name] = split
        }
        for name in podSplits.keys where !present.contains(name) { podSplits[name] = nil }
        ingressSplit.update(histogram: snapshot.ingressLatency, requests: snapshot.ingressRequests)
        return ExporterPages(exporters: self, snapshot: snapshot)
    }

    // MARK: Directus

    static func podPage(_ pod: PodSnapshot, split: StatusSplitHistogram) -> String {
        var text = MetricsText()
        let requestLabels = Self.requestBuckets.map(MetricsText.boundLabel)
        text.family(
            "directus_request_duration_seconds",
            "histogram",
            "Duration of HTTP requests in seconds (directus-extension-prometheus)."
        )
        for code in split.series.keys.sorted() {
            guard let entry = split.series[code] else { continue }
            text.histogram(
                "directus_request_duration_seconds",
                [("method", "GET"), ("status", String(code))],
                boundLabels: requestLabels,
                cumulative: Array(entry.cumulative.dropLast()),
                sum: entry.sum,
                count: entry.cumulative.last ?? 0
            )
        }
        text.family("directus_request_count", "counter", "Number of HTTP requests (directus-extension-prometheus).")
        for (code, count) in pod.requests.byCode where count > 0 {
            text.sample("directus_request_count", [("method", "GET"), ("status", String(code))], count)
        }

        text.family("directus_db_pg_response_time_ms", "histogram", "Database response time in milliseconds.")
        let queryBounds = Self.queryBucketsMilliseconds.map { $0 / 1000 }
        text.histogram(
            "directus_db_pg_response_time_ms",
            [],
            boundLabels: Self.queryBucketsMilliseconds.map(MetricsText.boundLabel),
            cumulative: pod.queryTime.cumulativeCounts(at: queryBounds),
            sum: pod.queryTime.sum * 1000,
            count: pod.queryTime.count
        )

        // Invented: Directus exports no pool or queue gauges.
        text.family("directus_db_pool_connections", "gauge", "Knex pool connections by state (testbed, invented).")
        text.sample("directus_db_pool_connections", [("state", "active")], pod.poolActive)
        text.sample("directus_db_pool_connections", [("state", "idle")], pod.poolIdle)
        text.family(
            "directus_db_pool_pending_acquires",
            "gauge",
            "Requests waiting for a Knex pool connection (testbed, invented)."
        )
        text.sample("directus_db_pool_pending_acquires", [], pod.poolPending)
        text.family(
            "directus_db_pool_connection_errors_total",
            "counter",
            "Pool connection attempts refused by PostgreSQL or PgBouncer (testbed, invented)."
        )
        text.sample("directus_db_pool_connection_errors_total", [], pod.connectionErrors)
        text.family("directus_http_queue_depth", "gauge", "Requests waiting for the event loop (testbed, invented).")
        text.sample("directus_http_queue_depth", [], pod.queueDepth)
        text.family(
            "directus_http_requests_in_flight",
            "gauge",
            "Requests admitted and not finished (testbed, invented)."
        )
        text.sample("directus_http_requests_in_flight", [], pod.inFlight)
        return text.text
    }

    // MARK: Fleet-wide

    func ingressPage(_ snapshot: FleetSnapshot) -> String {
        var text = MetricsText()
        let base = [("namespace", namespace), ("ingress", deployment), ("service", deployment), ("method", "GET")]
        text.family(
            "nginx_ingress_controller_request_duration_seconds",
            "histogram",
            "The request processing time in seconds."
        )
        let labels = Self.ingressBuckets.map(MetricsText.boundLabel)
        for code in ingressSplit.series.keys.sorted() {
            guard let entry = ingressSplit.series[code] else { continue }
            text.histogram(
                "nginx_ingress_controller_request_duration_seconds",
                base + [("status", String(code))],
                boundLabels: labels,
                cumulative: Array(entry.cumulative.dropLast()),
                sum: entry.sum,
                count: entry.cumulative.last ?? 0
            )
        }
        text.family("nginx_ingress_controller_requests", "counter", "The total number of client requests.")
        for (code, count) in snapshot.ingressRequests.byCode where count > 0 {
            text.sample("nginx_ingress_controller_requests", base + [("status", String(code))], count)
        }
        // The testbed's load balancer reports the pods' waiting requests as its backend queue.
        text.family("haproxy_backend_current_queue", "gauge", "Number of queued requests (sum of the pods' queues).")
        let queue = snapshot.pods.reduce(0) { $0 + $1.queueDepth }
        text.sample("haproxy_backend_current_queue", [("proxy", deployment)], queue)
        return text.text
    }

    func pgbouncerPage(_ bouncer: PgBouncerSnapshot) -> String {
        var text = MetricsText()
        let pool = [("database", deployment), ("user", databaseUser)]
        let gauges: [(String, String, Double)] = [
            ("client_active_connections", "Client connections linked to a server connection.", bouncer.clientActive),
            ("client_waiting_connections", "Client connections waiting on a server connection.", bouncer.clientWaiting),
            ("server_active_connections", "Server connections linked to a client.", bouncer.serverActive),
            ("server_idle_connections", "Server connections idle and ready for a client.", bouncer.serverIdle),
            ("client_maxwait_seconds", "Age of the oldest unserved client connection.", bouncer.clientMaxWait),
        ]
        for (suffix, help, value) in gauges {
            text.family("pgbouncer_pools_\(suffix)", "gauge", help)
            text.sample("pgbouncer_pools_\(suffix)", pool, value)
        }
        text.family("pgbouncer_databases_pool_size", "gauge", "Maximum number of server connections.")
        text.sample(
            "pgbouncer_databases_pool_size",
            [("name", deployment), ("database", deployment)],
            Double(bouncer.poolSize)
        )
        text.family("pgbouncer_up", "gauge", "The pgbouncer scrape was successful.")
        text.sample("pgbouncer_up", [], 1)
        return text.text
    }

    func postgresPage(_ postgres: PostgresSnapshot) -> String {
        var text = MetricsText()
        text.family("pg_settings_max_connections", "gauge", "Sets the maximum number of concurrent connections.")
        text.sample("pg_settings_max_connections", [], Double(postgres.maxConnections))
        text.family(
            "pg_settings_superuser_reserved_connections",
            "gauge",
            "Sets the number of connection slots reserved for superusers."
        )
        text.sample("pg_settings_superuser_reserved_connections", [], Double(postgres.superuserReservedConnections))
        text.family("pg_stat_activity_count", "gauge", "number of connections in this state")
        text.sample(
            "pg_stat_activity_count",
            [("datname", deployment), ("state", "active")],
            postgres.activeConnections
        )
        text.sample("pg_stat_activity_count", [("datname", deployment), ("state", "idle")], postgres.idleConnections)
        text.family("pg_up", "gauge", "Whether the last scrape of metrics from PostgreSQL was able to connect.")
        text.sample("pg_up", [], 1)
        return text.text
    }
}
