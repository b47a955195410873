import Foundation
import Observability

/// The policy reload metrics, so an alert can fire on a policy edit that did not take.
struct PolicyReloadMetrics: Sendable {
    let reloads: MetricFamily
    let lastSuccess: MetricFamily
    let valid: MetricFamily

    init(registry: MetricsRegistry) {
        reloads = registry.counter(
            "headroom_policy_reloads_total",
            help: "Reloads of a changed policy file by result: success (applied) or failure (rejected).",
            labelNames: ["result"]
        )
        lastSuccess = registry.gauge(
            "headroom_policy_last_reload_success_timestamp_seconds",
            help: "Unix time of the last policy that was read without problems and put in force, at start or on reload."
        )
        valid = registry.gauge(
            "headroom_policy_valid",
            help: "1 when the policy file last read has no problems, 0 while the last good policy runs instead."
        )
        // Both results are present from the start, so rate() and increase() see the first one.
        reloads.add(0, labels: ["success"])
        reloads.add(0, labels: ["failure"])
    }

    /// Records the policy read at start, which is in force whether valid or not.
    func started(valid isValid: Bool, at time: Date) {
        valid.set(isValid ? 1 : 0)
        if isValid { lastSuccess.set(time.timeIntervalSince1970) }
    }

    func succeeded(at time: Date) {
        reloads.add(1, labels: ["success"])
        lastSuccess.set(time.timeIntervalSince1970)
        valid.set(1)
    }

    /// Records a file that is again the policy in force after a rejected change.
    func restored() {
        valid.set(1)
    }

    func failed() {
        reloads.add(1, labels: ["failure"])
        valid.set(0)
    }
}
