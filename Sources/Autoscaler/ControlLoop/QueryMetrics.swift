import Observability

/// Latency and failures of the Prometheus queries behind the signals, by signal name.
public struct QueryMetrics: Sendable {
    let duration: MetricFamily
    let errors: MetricFamily

    public init(registry: MetricsRegistry) {
        duration = registry.histogram(
            "headroom_query_duration_seconds",
            help: "Wall time of one signal query to Prometheus, including decoding the response.",
            labelNames: ["signal"],
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        )
        errors = registry.counter(
            "headroom_query_errors_total",
            help: "Signal queries that failed (unreachable, timed out, an error status or an unreadable response).",
            labelNames: ["signal"]
        )
    }

    /// Records one query of `signal` that took `seconds`, and its failure if it failed.
    public func record(signal: String, seconds: Double, failed: Bool) {
        duration.observe(seconds, labels: [signal])
        if failed {
            errors.add(1, labels: [signal])
        } else {
            // Exported at 0 from the first query, so rate() counts the first failure.
            errors.add(0, labels: [signal])
        }
    }

    /// Removes the series of every signal not in `signals`, such as one that a reload removed
    /// from every target.
    public func keep(signals: Set<String>) {
        for family in [duration, errors] {
            family.remove { !signals.contains($0.first ?? "") }
        }
    }
}
