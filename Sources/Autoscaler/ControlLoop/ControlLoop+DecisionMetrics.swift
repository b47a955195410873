import Foundation
import Observability

extension ControlLoop {
    /// Sets the per-signal, limiting rule, condition and bounded-count series of one decision.
    /// Series of a reason or signal that no longer applies to the target are removed, so each
    /// target has one limiting rule and one set of series per signal in its policy.
    func recordDecisionMetrics(_ decision: Decision, target: TargetPolicy) {
        let labels = LoopMetrics.labels(target)
        metrics.activity.decided(at: clock.now)
        let bounded = min(max(decision.wantedReplicas, target.minReplicas), target.maxReplicas)
        metrics.boundedReplicas.set(Double(bounded), labels: labels)

        let reason = decision.reason.rawValue
        metrics.limitingRule.remove { $0.starts(with: labels) && $0.last != reason }
        metrics.limitingRule.set(1, labels: labels + [reason])

        let current = Set(decision.signals.map(\.name))
        for family in [metrics.signalValue, metrics.signalAge, metrics.signalProposal, metrics.signalValid] {
            family.remove { $0.starts(with: labels) && !current.contains($0.last ?? "") }
        }
        for report in decision.signals {
            let series = labels + [report.name]
            metrics.signalValue.set(report.value ?? .nan, labels: series)
            metrics.signalAge.set(report.ageSeconds ?? .nan, labels: series)
            metrics.signalProposal.set(report.proposal.map(Double.init) ?? .nan, labels: series)
            metrics.signalValid.set(report.status.isValid ? 1 : 0, labels: series)
        }

        let conditions: [(String, Bool)] = [
            ("DownstreamLimited", decision.conditions.downstreamLimited),
            ("DownstreamBound", decision.conditions.downstreamBound),
            ("Panic", decision.conditions.panicking),
            ("ScalingDisabled", decision.reason == .scalingDisabled),
        ]
        for (name, isTrue) in conditions {
            metrics.condition.set(isTrue ? 1 : 0, labels: labels + [name, "true"])
            metrics.condition.set(isTrue ? 0 : 1, labels: labels + [name, "false"])
        }
    }
}
