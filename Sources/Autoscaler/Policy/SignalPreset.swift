/// A ready-made signal for one of the four backpressure signals of a Directus fleet, built
/// on metrics that exporters in common use publish. Directus core exports no request or pool
/// metrics, so the presets read a proxy, a pooler or a queue in front of or behind it, or
/// the community `directus-extension-prometheus` inside it.
///
/// A policy names a preset in a signal (`preset: ingressNginxP99Latency`); every field the
/// signal sets replaces the preset's value. Every preset aggregates `by` the labels of its
/// label map, so one grouped query serves all targets that use it.
///
/// Per pod (`scope: pod`, one series per pod, whose `pod` label comes from relabelling or
/// file_sd): `directusPodP99Latency`. The engine leaves out the samples of warming and
/// starting pods.
///
/// Fleet-wide (`scope: fleet`, one series per target, which cannot be split by pod), for
/// which the engine discounts warming pods' capacity instead:
/// - `ingressNginxRequestRate`, `ingressNginxP99Latency` and `ingressNginx5xxRatio`, because
///   ingress-nginx labels its series by Ingress, not by the pod behind it.
/// - `pgbouncerWaitingClients`, because PgBouncer's pools are per database and user.
/// - `bullmqWaitingJobs`, because a queue is shared by its workers.
/// - `haproxyBackendQueue` and `haproxy5xxRatio`, because they read the whole backend.
///
/// There is no per-pod pool utilization preset, because neither Directus core nor the extension
/// exports a pod's Knex pool use to Prometheus. Core shows it only in the admin-only health
/// check (`connectionsUsed`).
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
        haproxyBackendQueue, ingressNginx5xxRatio, haproxy5xxRatio, directusPodP99Latency,
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

    /// p99 request latency of each Directus pod, from the `directus_request_duration_seconds`
    /// histogram of the community `directus-extension-prometheus` (ChappIO), whose own labels
    /// are `method` and `status`. Per pod: it needs the `namespace` and `pod` labels on the
    /// scraped series, which Kubernetes pod discovery relabelling or file_sd adds.
    ///
    /// The label map has only `namespace`, so every Directus pod in the target's namespace
    /// counts as the target's. With more than one Directus Deployment in a namespace, replace
    /// the query with one that also matches the pods by name (such as adding
    /// `pod=~"{{name}}-.*"`), which then costs one query per target.
    public static let directusPodP99Latency = SignalPreset(
        name: "directusPodP99Latency",
        query: """
            histogram_quantile(0.99, sum by (le, namespace, pod) (rate(\
            directus_request_duration_seconds_bucket{namespace="{{namespace}}"}[2m])))
            """,
        labels: ["namespace": "{{namespace}}"],
        target: "500ms",
        rule: .latencyStep,
        role: .scale,
        onEmpty: .noData,
        scope: .pod,
        category: .latency
    )
}
