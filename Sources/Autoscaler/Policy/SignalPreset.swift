/// A ready-made signal for one of the four backpressure signals of a Directus fleet, built
/// on metrics that exporters in common use publish. Directus core exports no request or pool
/// metrics, so every preset reads a proxy, a pooler or a queue in front of or behind it.
///
/// A policy names a preset in a signal (`preset: ingressNginxP99Latency`); every field the
/// signal sets replaces the preset's value. Every preset aggregates `by` the labels of its
/// label map, so one grouped query serves all targets that use it.
public struct SignalPreset: Sendable {
    public let name: String
    public let query: String
    public let labels: [String: String]
    public let target: String
    public let rule: ProposalRule?
    public let role: SignalRole
    public let onEmpty: EmptyResultMeaning
    public var scope: SignalScope = .fleet
    public let category: SignalCategory

    /// Every preset, in the order the reference lists them.
    public static let all: [SignalPreset] = [
        ingressNginxRequestRate, ingressNginxP99Latency, pgbouncerWaitingClients, bullmqWaitingJobs,
        haproxyBackendQueue, ingressNginx5xxRatio, haproxy5xxRatio,
    ]

    /// Returns the preset called `name`, or `nil`.
    public static func named(_ name: String) -> SignalPreset? {
        all.first { $0.name == name }
    }

    /// Requests per second through ingress-nginx, per replica, from its
    /// `nginx_ingress_controller_requests` counter: the signal an HPA or KEDA scales on as an
    /// External metric with an AverageValue target. The default 35 requests/s suits a Node.js
    /// pod that spends about 20 ms of CPU per request (70 % of its 50 requests/s).
    public static let ingressNginxRequestRate = SignalPreset(
        name: "ingressNginxRequestRate",
        query: """
            sum by (namespace, ingress) (rate(nginx_ingress_controller_requests\
            {namespace="{{namespace}}", ingress="{{ingress}}"}[1m]))
            """,
        labels: ["namespace": "{{namespace}}", "ingress": "{{name}}"],
        target: "35",
        rule: .perReplica,
        role: .scale,
        onEmpty: .noData,
        category: .load
    )

    /// p99 request latency at ingress-nginx, from its
    /// `nginx_ingress_controller_request_duration_seconds` histogram.
    public static let ingressNginxP99Latency = SignalPreset(
        name: "ingressNginxP99Latency",
        query: """
            histogram_quantile(0.99, sum by (le, namespace, ingress) (rate(\
            nginx_ingress_controller_request_duration_seconds_bucket\
            {namespace="{{namespace}}", ingress="{{ingress}}"}[2m])))
            """,
        labels: ["namespace": "{{namespace}}", "ingress": "{{name}}"],
        target: "500ms",
        rule: .latencyStep,
        role: .scale,
        onEmpty: .noData,
        category: .latency
    )

    /// Clients waiting for a server connection at PgBouncer (prometheus-community
    /// pgbouncer_exporter), as a total per replica.
    public static let pgbouncerWaitingClients = SignalPreset(
        name: "pgbouncerWaitingClients",
        query: """
            sum by (database) (pgbouncer_pools_client_waiting_connections{database="{{database}}"})
            """,
        labels: ["database": "{{name}}"],
        target: "2",
        rule: .perReplica,
        role: .scale,
        onEmpty: .noData,
        category: .pool
    )

    /// Jobs waiting in a BullMQ queue, from `Queue.exportPrometheusMetrics()`.
    public static let bullmqWaitingJobs = SignalPreset(
        name: "bullmqWaitingJobs",
        query: """
            sum by (queue) (bullmq_job_count{queue="{{queue}}", state="waiting"})
            """,
        labels: ["queue": "{{name}}"],
        target: "100",
        rule: .perReplica,
        role: .scale,
        onEmpty: .noData,
        category: .queue
    )

    /// Requests queued in an HAProxy backend, from HAProxy's built-in exporter.
    public static let haproxyBackendQueue = SignalPreset(
        name: "haproxyBackendQueue",
        query: """
            sum by (proxy) (haproxy_backend_current_queue{proxy="{{proxy}}"})
            """,
        labels: ["proxy": "{{name}}"],
        target: "10",
        rule: .perReplica,
        role: .scale,
        onEmpty: .noData,
        category: .queue
    )

    /// Share of 5xx responses at ingress-nginx. A guard: errors from a failing dependency
    /// must not add replicas. The divisor is clamped so that no traffic reads as 0, not NaN,
    /// and no 5xx series at all (ingress-nginx exports only statuses it has seen) reads as 0.
    public static let ingressNginx5xxRatio = SignalPreset(
        name: "ingressNginx5xxRatio",
        query: """
            sum by (namespace, ingress) (rate(nginx_ingress_controller_requests\
            {namespace="{{namespace}}", ingress="{{ingress}}", status=~"5.."}[2m])) \
            / clamp_min(sum by (namespace, ingress) (rate(nginx_ingress_controller_requests\
            {namespace="{{namespace}}", ingress="{{ingress}}"}[2m])), 1e-9)
            """,
        labels: ["namespace": "{{namespace}}", "ingress": "{{name}}"],
        target: "5%",
        rule: nil,
        role: .guard,
        onEmpty: .zero,
        category: .errors
    )

    /// Share of 5xx responses of an HAProxy backend. A guard, like `ingressNginx5xxRatio`.
    public static let haproxy5xxRatio = SignalPreset(
        name: "haproxy5xxRatio",
        query: """
            sum by (proxy) (rate(haproxy_backend_http_responses_total{proxy="{{proxy}}", code="5xx"}[2m])) \
            / clamp_min(sum by (proxy) (rate(haproxy_backend_http_requests_total{proxy="{{proxy}}"}[2m])), 1e-9)
            """,
        labels: ["proxy": "{{name}}"],
        target: "5%",
        rule: nil,
        role: .guard,
        onEmpty: .zero,
        category: .errors
    )
}
