import Foundation

/// The two policies a scenario runs, as policy files for `headroom run`.
///
/// Both read the same exporters through the same Prometheus and run at the same interval, so
/// the comparison is between the policies alone.
public enum PolicyText {
    public static let namespace = "shop"
    public static let deployment = "directus"

    /// Returns the window of the rate and quantile queries: ten scrapes, which is short enough for
    /// a compressed trace.
    static func window(_ stack: StackSettings) -> String { "\(10 * stack.scrapeIntervalSeconds)s" }

    /// Builds the query for the p99 of the fleet's item requests, from the application's own
    /// histogram.
    static func p99Query(_ stack: StackSettings) -> String {
        "histogram_quantile(0.99, sum by (le) (rate(fleet_app_http_request_duration_seconds_bucket"
            + "{namespace=\"{{namespace}}\"}[\(window(stack))])))"
    }

    /// Builds the query for the 5xx share of HAProxy's responses from the backend named like the
    /// Deployment. The scrape job labels HAProxy's series with the Deployment's namespace.
    static func errorRatioQuery(_ stack: StackSettings) -> String {
        let selector = "namespace=\"{{namespace}}\", proxy=\"{{name}}\""
        return "sum by (namespace, proxy) (rate(haproxy_backend_http_responses_total{\(selector), code=\"5xx\"}"
            + "[\(window(stack))])) / clamp_min(sum by (namespace, proxy) (rate(haproxy_backend_http_requests_total"
            + "{\(selector)}[\(window(stack))])), 1e-9)"
    }

    /// Renders the policy file of `kind` for `scenario`.
    static func render(_ kind: PolicyKind, scenario: Scenario) -> String {
        switch kind {
        case .headroom: headroom(scenario)
        case .hpaLike: hpaLike(scenario)
        }
    }

    /// Renders Headroom's policy. HAProxy's request rate per replica (70 % of a warm process) and
    /// its queue are scale signals. The application's p99 and the 5xx share are guards, which hold
    /// scale-down while they are above their targets. The application's histogram does not see
    /// time spent in HAProxy's queue, so the queue, not the p99, shows how far behind the fleet
    /// is. The policy reads the budget from the Postgres exporter, and it enables warm-up, the
    /// starting cap and panic mode on the request rate.
    static func headroom(_ scenario: Scenario) -> String {
        let stack = scenario.stack
        let policy = scenario.policy
        let interval = stack.intervalSeconds
        let window = window(stack)
        let perReplica = (stack.capacityPerReplica * 0.7).rounded()
        return """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            metadata:
              note: proving ground, scenario \(scenario.name.rawValue)\(scenario.short ? " (short)" : ""), Headroom's policy
            scrapeInterval: \(stack.scrapeIntervalSeconds)s
            databases:
              - name: directus
                exporter: postgres
                selector: 'job="postgres"'
                margin: 0%
                otherClients: \(policy.otherClients)
                budgetMaxAge: 30s
            \(pgbouncerBlock(stack))targets:
              - namespace: \(namespace)
                name: \(deployment)
                minReplicas: \(stack.minReplicas)
                maxReplicas: \(stack.maxReplicas)
                behavior:
                  scaleUp:
                    stabilizationWindowSeconds: 0
                    policies:
                      - {type: Percent, value: 100, periodSeconds: \(interval)}
                      - {type: Pods, value: 4, periodSeconds: \(interval)}
                  scaleDown:
                    stabilizationWindowSeconds: \(policy.scaleDownWindowSeconds)
                    policies:
                      - {type: Percent, value: 100, periodSeconds: \(interval)}
                signals:
                  - name: requests
                    query: 'sum by (proxy) (rate(haproxy_backend_http_requests_total{proxy="{{name}}"}[\(window)]))'
                    labels: {proxy: "{{name}}"}
                    rule: perReplica
                    target: "\(Int(perReplica))"
                    maxSampleAge: 10s
                  - preset: haproxyBackendQueue
                    target: "4"
                    maxSampleAge: 10s
                  - name: p99
                    query: '\(p99Query(stack))'
                    labels: {}
                    role: guard
                    target: \(Int(policy.p99TargetSeconds * 1000))ms
                    onEmpty: zero
                    maxSampleAge: 10s
                  - name: errors
                    query: '\(errorRatioQuery(stack))'
                    labels: {namespace: "{{namespace}}", proxy: "{{name}}"}
                    role: guard
                    target: 5%
                    maxSampleAge: 10s
                coldStart:
                  warmup: \(Int(stack.coldSeconds))s
                  initialCapacity: 60%
                  maxStartingPods: \(policy.maxStartingPods)
                database:
                  name: directus
                  poolSize: \(stack.poolMax)
                panic:
                  signal: requests
                  window: \(4 * stack.scrapeIntervalSeconds)s
                  threshold: 2
                  stableWindow: \(policy.scaleDownWindowSeconds)s
                  lookahead: \(Int(stack.startupDelaySeconds))s

            """
    }

    /// Renders the PgBouncer block, or nothing without PgBouncer. Behind PgBouncer the pods' pools
    /// connect to PgBouncer, so its `max_client_conn` is the budget. Clients that wait while every
    /// server connection is busy mean the database is the bottleneck.
    static func pgbouncerBlock(_ stack: StackSettings) -> String {
        guard stack.pgbouncer else { return "" }
        return """
                pgbouncer:
                  exporter: true
                  selector: 'database="directus"'
                  maxClientConnections: \(stack.pgbouncerMaxClientConnections)
                  poolSize: {query: 'max(pgbouncer_databases_pool_size{name="directus"})'}
                  saturationCycles: 2

            """
    }

    /// Renders Headroom configured as the HPA with its defaults. The tolerance is 0.1. Scale-up
    /// adds the larger of 100 % or 4 pods per 15 s. Scale-down removes up to 100 % per 15 s after
    /// a window of `hpaScaleDownWindowSeconds` (300 s, the HPA's default). The p99 and the 5xx
    /// ratio are scale signals with the HPA's External-metric formula (value ÷ target × current).
    /// The p99 signal sets `maxStepFactor` to its maximum, 100, so in practice no step limit
    /// applies. The policy has no budget, no warm-up rules and no starting cap.
    static func hpaLike(_ scenario: Scenario) -> String {
        let stack = scenario.stack
        let policy = scenario.policy
        return """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            metadata:
              note: proving ground, scenario \(scenario.name.rawValue)\(scenario.short ? " (short)" : ""), the HPA's defaults
            scrapeInterval: \(stack.scrapeIntervalSeconds)s
            targets:
              - namespace: \(namespace)
                name: \(deployment)
                minReplicas: \(stack.minReplicas)
                maxReplicas: \(stack.maxReplicas)
                behavior:
                  scaleUp:
                    stabilizationWindowSeconds: 0
                    selectPolicy: Max
                    tolerance: 0.1
                    policies:
                      - {type: Percent, value: 100, periodSeconds: 15}
                      - {type: Pods, value: 4, periodSeconds: 15}
                  scaleDown:
                    stabilizationWindowSeconds: \(policy.hpaScaleDownWindowSeconds)
                    selectPolicy: Max
                    tolerance: 0.1
                    policies:
                      - {type: Percent, value: 100, periodSeconds: 15}
                signals:
                  - name: p99
                    query: '\(p99Query(stack))'
                    labels: {}
                    rule: latencyStep
                    maxStepFactor: 100
                    target: \(Int(policy.p99TargetSeconds * 1000))ms
                    onEmpty: zero
                    maxSampleAge: 10s
                  - name: errors
                    query: '\(errorRatioQuery(stack))'
                    labels: {namespace: "{{namespace}}", proxy: "{{name}}"}
                    rule: utilization
                    target: 5%
                    maxSampleAge: 10s

            """
    }
}
