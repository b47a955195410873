import Observability

/// The fleet app's Prometheus metrics, all named with the `fleet_app_` prefix. Directus exports
/// none of these names, so dashboards cannot mistake them for Directus's own.
public final class FleetMetrics: Sendable {
    /// Upper bounds of the request duration histogram, in seconds.
    public static let durationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public let registry = MetricsRegistry()
    let requestDuration: MetricFamily
    let requests: MetricFamily
    let poolConnections: MetricFamily
    let poolWaiting: MetricFamily
    let poolMaximum: MetricFamily
    let acquireTimeouts: MetricFamily
    let connectionErrors: MetricFamily
    let inProgress: MetricFamily
    let concurrencyLimit: MetricFamily
    let ready: MetricFamily
    let process: ProcessMetrics

    public init() {
        requestDuration = registry.histogram(
            "fleet_app_http_request_duration_seconds",
            help: "Duration of item API requests in seconds, from handler start to response.",
            labelNames: ["method", "route", "status"],
            buckets: Self.durationBuckets
        )
        requests = registry.counter(
            "fleet_app_http_requests_total",
            help: "Item API requests completed, by method, route and status.",
            labelNames: ["method", "route", "status"]
        )
        poolConnections = registry.gauge(
            "fleet_app_db_pool_connections",
            help: "Open database connections: active (in use by a request) or idle.",
            labelNames: ["state"]
        )
        poolWaiting = registry.gauge(
            "fleet_app_db_pool_waiting_requests",
            help: "Requests waiting for a database connection."
        )
        poolMaximum = registry.gauge(
            "fleet_app_db_pool_max_connections",
            help: "Most database connections the pool opens (DB_POOL__MAX)."
        )
        acquireTimeouts = registry.counter(
            "fleet_app_db_pool_acquire_timeouts_total",
            help: "Requests that waited the whole acquire timeout for a connection and got 503."
        )
        connectionErrors = registry.counter(
            "fleet_app_db_connection_errors_total",
            help: "Failed attempts to open a database connection, such as too many clients."
        )
        inProgress = registry.gauge(
            "fleet_app_requests_in_progress",
            help: "Item API requests holding a concurrency slot."
        )
        concurrencyLimit = registry.gauge(
            "fleet_app_concurrency_limit",
            help: "Item API requests allowed in progress at once (FLEET_APP_CONCURRENCY)."
        )
        ready = registry.gauge("fleet_app_ready", help: "1 when the app reports ready, else 0.")
        process = ProcessMetrics(registry: registry)
    }

    /// Records one completed item request.
    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let labels = [method, route, String(status)]
        requestDuration.observe(seconds, labels: labels)
        requests.add(1, labels: labels)
    }

    /// Copies the pool's counts into the gauges.
    func update(pool: PoolSnapshot) {
        poolConnections.set(Double(pool.active), labels: ["active"])
        poolConnections.set(Double(pool.idle), labels: ["idle"])
        poolWaiting.set(Double(pool.waiting))
    }
}
