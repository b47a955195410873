import Foundation
import MetricsClient

/// Turns a target's signal outcomes into a desired replica count. A pure function of its
/// arguments: no clock, logger, client or global state.
///
/// Steps, each recorded in the decision's `limits` when it keeps or changes the value:
/// 1. A current count outside the bounds goes straight to the bound (as the HPA does);
///    a workload scaled to 0 with `minReplicas` >= 1 is left alone (`ScalingDisabled`).
/// 2. Each scale signal proposes; the proposal is the maximum over the valid ones.
///    With no valid scale signal the current count is kept (`MetricUnavailable`) and no
///    recommendation is recorded for the stabilization windows.
/// 3. Scale-down is blocked while a scale signal or guard is invalid, a guard is above its
///    threshold, or a signal is still in its recovery cycles.
/// 4. Stabilization as the HPA does it: the count moves no further up than the minimum
///    recommendation within the scale-up window, and no further down than the maximum within
///    the scale-down window.
/// 5. Rate policies from the replica count at the start of each period.
public enum DecisionEngine {
    /// Decides the replica count for `target` at `now`.
    ///
    /// - Parameters:
    ///   - outcomes: one outcome per signal name; a missing entry is an invalid signal.
    ///   - specReplicas: `spec.replicas` of the scale subresource (negative reads as 0).
    ///   - readyReplicas: ready pods of the target, the base of ratio rules.
    ///   - history: the history returned by the previous decision, or an empty one.
    public static func decide(
        target: TargetPolicy,
        outcomes: [String: SampleOutcome],
        specReplicas: Int,
        readyReplicas: Int,
        history: ScalingHistory,
        now: Date
    ) -> Decision {
        let current = min(max(specReplicas, 0), Int(Int32.max))
        let ready = min(max(readyReplicas, 0), Int(Int32.max))
        var state = history.pruned(at: now, behavior: target.behavior, signalNames: Set(target.signals.map(\.name)))
        if state.startedAt == nil { state.startedAt = now }

        let reports = target.signals.map { signal in
            evaluate(
                signal,
                outcome: outcomes[signal.name],
                target: target,
                currentReplicas: current,
                readyReplicas: ready
            )
        }
        let recovering = updateRecovery(&state, signals: target.signals, reports: reports)

        var steps = StepLog(current: current)
        if current == 0 && target.minReplicas > 0 {
            steps.set(0, .scalingDisabled)
        } else if current > target.maxReplicas {
            steps.set(target.maxReplicas, .currentAboveMaxReplicas)
        } else if current < target.minReplicas {
            steps.set(target.minReplicas, .currentBelowMinReplicas)
        } else {
            decideWithinBounds(&steps, &state, target: target, reports: reports, recovering: recovering, now: now)
        }
        if target.mode == .observe { steps.note(.observeOnly) }

        let desired = steps.value
        var reason = DecisionReason.noChange
        if let rule = steps.reason {
            reason = rule
        } else if desired > current {
            reason = .scaledUp
        } else if desired < current {
            reason = .scaledDown
        }
        var written = state
        if target.mode == .scale && desired != current {
            written.scaleEvents.append(ScalingHistory.ScaleEvent(time: now, change: desired - current))
        }
        return Decision(
            currentReplicas: current,
            desiredReplicas: desired,
            reason: reason,
            limits: steps.applied,
            signals: reports,
            mode: target.mode,
            history: written,
            historyIfNotWritten: state
        )
    }

    /// Steps 2 to 5 for a current count within [minReplicas, maxReplicas].
    private static func decideWithinBounds(
        _ steps: inout StepLog,
        _ state: inout ScalingHistory,
        target: TargetPolicy,
        reports: [SignalReport],
        recovering: Bool,
        now: Date
    ) {
        let current = steps.current
        let proposing = reports.filter { $0.role == .scale && $0.proposal != nil }
        guard let decider = proposing.max(by: { ($0.proposal ?? 0) < ($1.proposal ?? 0) }),
            let proposal = decider.proposal
        else {
            // No recommendation is recorded, as in the HPA: the kept count reflects no
            // metric, so it must not hold back a scale-up in a later stabilization window.
            steps.set(current, .metricUnavailable)
            return
        }
        steps.value = proposal
        if decider.status == .withinTolerance && proposal == current {
            steps.set(current, .withinTolerance)
        }
        noteBounds(&steps, decider: decider, target: target)

        if steps.value < current, let blocker = scaleDownBlocker(reports, recovering: recovering) {
            steps.set(current, blocker)
        }
        let recommendation = steps.value
        stabilize(&steps, history: state, recommendation: recommendation, behavior: target.behavior, now: now)
        state.recommendations.append(.init(time: now, replicas: recommendation))
        limitRate(&steps, history: state, target: target, now: now)
    }

    /// Records `TooManyReplicas` or `TooFewReplicas` when the deciding signal's proposal was
    /// clamped to the bounds.
    private static func noteBounds(_ steps: inout StepLog, decider: SignalReport, target: TargetPolicy) {
        guard let unbounded = decider.unboundedProposal, let proposal = decider.proposal else { return }
        if unbounded > Double(target.maxReplicas) {
            steps.set(proposal, .tooManyReplicas)
        } else if unbounded < Double(target.minReplicas) {
            steps.set(proposal, .tooFewReplicas)
        }
    }

    /// Returns the first rule that forbids scale-down this cycle, if any.
    static func scaleDownBlocker(_ reports: [SignalReport], recovering: Bool) -> DecisionReason? {
        if reports.contains(where: { $0.role == .scale && !$0.status.isValid }) {
            return .invalidSignalBlocksScaleDown
        }
        if reports.contains(where: { $0.role == .guard && !$0.status.isValid }) {
            return .guardUnavailableBlocksScaleDown
        }
        if reports.contains(where: { $0.status == .guardActive }) {
            return .guardBlocksScaleDown
        }
        return recovering ? .recoveryBlocksScaleDown : nil
    }

    /// Counts recovery cycles down and returns true while any signal is still recovering.
    /// An invalid signal restarts its count at `recoveryCycles`; each valid cycle with a
    /// count above 0 blocks scale-down and lowers it by one.
    static func updateRecovery(_ state: inout ScalingHistory, signals: [SignalPolicy], reports: [SignalReport])
        -> Bool
    {
        var recovering = false
        for (signal, report) in zip(signals, reports) {
            guard report.status.isValid else {
                state.pendingRecoveryCycles[signal.name] = signal.recoveryCycles
                continue
            }
            let pending = state.pendingRecoveryCycles[signal.name] ?? 0
            guard pending > 0 else { continue }
            recovering = true
            state.pendingRecoveryCycles[signal.name] = pending > 1 ? pending - 1 : nil
        }
        return recovering
    }
}
