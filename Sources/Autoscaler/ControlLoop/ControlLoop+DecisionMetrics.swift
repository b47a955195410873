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
        let signalFamilies = [
            metrics.signalValue, metrics.signalAge, metrics.signalProposal, metrics.signalValid, metrics.signalTarget,
        ]
        for family in signalFamilies {
            family.remove { $0.starts(with: labels) && !current.contains($0.last ?? "") }
        }
        for report in decision.signals {
            let series = labels + [report.name]
            metrics.signalValue.set(report.value ?? .nan, labels: series)
            metrics.signalAge.set(report.ageSeconds ?? .nan, labels: series)
            metrics.signalProposal.set(report.proposal.map(Double.init) ?? .nan, labels: series)
            metrics.signalValid.set(report.status.isValid ? 1 : 0, labels: series)
            if let signal = target.signals.first(where: { $0.name == report.name }) {
                metrics.signalTarget.set(signal.target.value(in: signal.resultUnit), labels: series)
            }
        }

        for (name, isTrue) in Self.conditions(of: decision) {
            metrics.condition.set(isTrue ? 1 : 0, labels: labels + [name, "true"])
            metrics.condition.set(isTrue ? 0 : 1, labels: labels + [name, "false"])
        }
    }

    /// Sets `AbleToScale` to false after a failed read or write of the target's scale, as the
    /// HPA does after `FailedGetScale` and `FailedUpdateScale`.
    func recordUnableToScale(_ target: TargetPolicy) {
        let labels = LoopMetrics.labels(target)
        metrics.condition.set(0, labels: labels + ["AbleToScale", "true"])
        metrics.condition.set(1, labels: labels + ["AbleToScale", "false"])
    }

    /// Reasons that stop writes to a target while they last.
    static let writeStoppingReasons: Set<DecisionReason> = [
        .scalingDisabled, .observeOnly, .paused, .frozen, .conflictingWriter, .scaledByHPA,
    ]

    /// Reasons under which the signals could not decide the count.
    static let inactiveReasons: Set<DecisionReason> = [.metricUnavailable, .fallback, .scalingDisabled]

    /// Reasons that mean a bound or a rate limit changed the count the signals requested.
    static let limitingReasons: Set<DecisionReason> = [
        .tooManyReplicas, .tooFewReplicas, .scaleUpLimit, .scaleDownLimit, .scaleUpDisabled, .scaleDownDisabled,
        .startingPodsLimit, .downstreamLimited, .downstreamBudgetUnknown,
    ]

    /// Returns the `headroom_condition` states of one decision. `AbleToScale`, `ScalingActive` and
    /// `ScalingLimited` follow the HPA's status conditions of the same names; the others are
    /// Headroom's own.
    static func conditions(of decision: Decision) -> [(name: String, isTrue: Bool)] {
        [
            ("AbleToScale", !writeStoppingReasons.contains(decision.reason)),
            ("ScalingActive", !inactiveReasons.contains(decision.reason)),
            ("ScalingLimited", limitingReasons.contains(decision.reason)),
            ("DownstreamLimited", decision.conditions.downstreamLimited),
            ("DownstreamBound", decision.conditions.downstreamBound),
            ("BudgetUnknown", decision.conditions.budgetUnknown),
            ("Panic", decision.conditions.panicking),
            ("ScheduledFloor", decision.conditions.scheduledFloor != nil),
            ("ScalingDisabled", decision.reason == .scalingDisabled),
        ]
    }
}
