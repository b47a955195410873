/// The policy of the end-to-end tests and the numbers they expect, worked out by hand.
///
/// `Deployment shop/api`, 3 replicas all ready, min 1, max 10, two scale signals:
/// - `requests`: rate() of a live counter growing by 58 per second, perReplica target 10,
///   proposes ceil(58 / 10) = ceil(5.8) = 6.
/// - `p99`: histogram_quantile(0.99) over the backfilled buckets is 0.75 s (see
///   `BackfilledHistory`); latencyStep against 500 ms gives 0.75 / 0.5 = 1.5, within the
///   default maxStepFactor 1.5, so it proposes ceil(3 × 1.5) = ceil(4.5) = 5.
/// The larger proposal wins: 6. The default scale-up policies allow max(3 + 100 %, 3 + 4) = 7,
/// so nothing limits it, and 1 < 6 < 10.
///
/// `StatefulSet shop/worker`, 4 replicas, min 1, max 12, one perReplica signal with target 10
/// on a gauge. At 43 the ratio to 10 × 4 is 1.075, inside the default tolerance 0.1, so it
/// keeps 4. At 70 it proposes ceil(70 / 10) = 7, within the allowed max(4 + 100 %, 4 + 4) = 8.
enum TestPolicy {
    static let api = "Deployment shop/api"
    static let worker = "StatefulSet shop/worker"
    static let apiReplicas = 3
    static let apiExpected = 6
    static let workerReplicas = 4
    static let workerRecovered = 7
    static let apiScalePath = "/apis/apps/v1/namespaces/shop/deployments/api/scale"
    static let workerScalePath = "/apis/apps/v1/namespaces/shop/statefulsets/worker/scale"

    /// Returns the policy with the worker's signal reading `workerMetric`.
    static func yaml(workerMetric: String = "queue_depth") -> String {
        """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - kind: Deployment
            namespace: shop
            name: api
            minReplicas: 1
            maxReplicas: 10
            signals:
              - name: requests
                query: 'sum(rate(http_requests_total{namespace="{{namespace}}",deployment="{{name}}"}[10s]))'
                target: 10
                rule: perReplica
              - name: p99
                query: >-
                  histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{{namespace}}",deployment="{{name}}"}[5m])))
                target: 500ms
                rule: latencyStep
          - kind: StatefulSet
            namespace: shop
            name: worker
            minReplicas: 1
            maxReplicas: 12
            signals:
              - name: depth
                query: 'sum(\(workerMetric){namespace="{{namespace}}",statefulset="{{name}}"})'
                target: 10
                rule: perReplica

        """
    }
}
