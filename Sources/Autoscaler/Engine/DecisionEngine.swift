import Foundation
import MetricsClient

/// Turns a target's signal outcomes into a desired replica count. A pure function of its
/// arguments: no clock, logger, client or global state.
///
/// Steps, each recorded in the decision's `limits` when it keeps or changes the value:
/// 1. A current count outside the bounds goes straight to the bound (as the HPA does);
///    a workload scaled to 0 with `minReplicas` >= 1 is left alone (`ScalingDisabled`).
/// 2. Pods are counted: warming pods' per-pod samples are left out and fleet-wide ratio rules
///    count warming pods at their partial capacity (see `PodCounts`).
/// 3. Each scale signal proposes; the proposal is the maximum over the valid ones. While the
///    database is saturated (`DownstreamBound`), latency and error signals are set aside. With
///    no valid scale signal the current count is kept (`MetricUnavailable`) and no
///    recommendation is recorded for the stabilization windows.
/// 4. Scale-down is blocked while a scale signal or guard is invalid, a guard is above its
///    threshold, a signal is still in its recovery cycles, the database is saturated, or
///    panic mode lasts.
/// 5. Stabilization as the HPA does it, then the rate policies from the replica count at the
///    start of each period.
/// 6. Panic mode goes straight to the short window's recommendation.
/// 7. A scheduled floor raises the count, up to the budget ceiling and `maxReplicas`.
/// 8. The starting cap stops scale-up while enough pods are still starting.
/// 9. The budget ceiling stops scale-up above the larger of the ceiling and the current count;
///    with the budget unknown, scale-up stops. `maxReplicas` and `minReplicas` still bound all.
public enum DecisionEngine {
    /// Decides the replica count for `target` at `now`.
    ///
    /// - Parameters:
    ///   - outcomes: one outcome per signal name; a missing entry is an invalid signal.
    ///   - specReplicas: `spec.replicas` of the scale subresource (negative reads as 0).
    ///   - readyReplicas: ready pods of the target, used when `pods` is `nil`.
    ///   - pods: the target's pods, when read; they decide warm-up, starting and terminating pods.
    ///   - budget: the target's share of its database budget, when it has one.
    ///   - history: the history returned by the previous decision, or an empty one.
    public static func decide(
        target: TargetPolicy,
        outcomes: [String: SampleOutcome],
        specReplicas: Int,
        readyReplicas: Int,
        pods: [PodState]? = nil,
        budget: BudgetShare? = nil,
        history: ScalingHistory,
        now: Date
    ) -> Decision {
        let current = min(max(specReplicas, 0), Int(Int32.max))
        let ready = min(max(readyReplicas, 0), Int(Int32.max))
        var state = history.pruned(at: now, behavior: target.behavior, signalNames: Set(target.signals.map(\.name)))
        if state.startedAt == nil { state.startedAt = now }

        let counts = PodCounts.count(
            pods: pods,
            specReplicas: current,
            readyReplicas: ready,
            coldStart: target.coldStart,
            now: now
        )
        var reports = target.signals.map { signal in
            evaluate(signal, outcome: outcomes[signal.name], target: target, currentReplicas: current, pods: counts)
        }
        let recovering = updateRecovery(&state, signals: target.signals, reports: reports)

        var context = Context(target: target, counts: counts, budget: budget, now: now)
        context.conditions.pods = pods == nil ? nil : counts
        context.markDownstream(&reports)

        var steps = StepLog(current: current)
        if current == 0 && target.minReplicas > 0 {
            steps.set(0, .scalingDisabled)
        } else if current > target.maxReplicas {
            steps.set(target.maxReplicas, .currentAboveMaxReplicas)
        } else if current < target.minReplicas {
            steps.set(target.minReplicas, .currentBelowMinReplicas)
        } else {
            decideWithinBounds(&steps, &state, &context, reports: reports, recovering: recovering)
        }
        if target.mode == .observe { steps.note(.observeOnly) }

        let desired = steps.value
        var reason = DecisionReason.noChange
        if context.conditions.downstreamBound {
            reason = .downstreamBound
        } else if let rule = steps.reason {
            reason = rule
        } else if desired > current {
            reason = .scaledUp
        } else if desired < current {
            reason = .scaledDown
        }
        var written = state
        if target.mode == .scale && desired != current {
            written.scaleEvents.append(ScalingHistory.ScaleEvent(time: now, change: desired - current))
            written.lastScaleTime = now
        }
        return Decision(
            currentReplicas: current,
            desiredReplicas: desired,
            wantedReplicas: context.wanted ?? current,
            reason: reason,
            limits: steps.applied,
            signals: reports,
            conditions: context.conditions,
            mode: target.mode,
            history: written,
            historyIfNotWritten: state
        )
    }

    /// Steps 3 to 9 for a current count within [minReplicas, maxReplicas].
    private static func decideWithinBounds(
        _ steps: inout StepLog,
        _ state: inout ScalingHistory,
        _ context: inout Context,
        reports: [SignalReport],
        recovering: Bool
    ) {
        let target = context.target
        let current = steps.current
        let panic = updatePanic(&state, context: context, reports: reports)
        context.conditions.panicking = panic.panicking
        let floor = context.scheduledFloor()

        let proposing = reports.filter {
            $0.role == .scale && $0.proposal != nil && !(context.conditions.downstreamBound && $0.isSetAside)
        }
        if let decider = proposing.max(by: { ($0.proposal ?? 0) < ($1.proposal ?? 0) }),
            let proposal = decider.proposal
        {
            steps.value = proposal
            if decider.status == .withinTolerance && proposal == current {
                steps.set(current, .withinTolerance)
            }
            noteBounds(&steps, decider: decider, target: target)
            if steps.value < current, let blocker = scaleDownBlocker(reports, recovering: recovering, context: context)
            {
                steps.set(current, blocker)
            }
            let recommendation = steps.value
            context.wanted = max(recommendation, panic.proposal ?? 0, floor ?? 0)
            stabilize(
                &steps,
                history: state,
                recommendation: recommendation,
                behavior: target.behavior,
                now: context.now
            )
            state.recommendations.append(.init(time: context.now, replicas: max(recommendation, floor ?? 0)))
            limitRate(&steps, history: state, target: target, now: context.now)
        } else if reports.contains(where: { $0.role == .scale && $0.proposal != nil }) {
            // Every proposing signal was set aside because the database is the bottleneck.
            steps.set(current, .downstreamBound)
            context.wanted = max(current, panic.proposal ?? 0, floor ?? 0)
        } else {
            // No recommendation is recorded, as in the HPA: the kept count reflects no
            // metric, so it must not hold back a scale-up in a later stabilization window.
            steps.set(current, .metricUnavailable)
            context.wanted = max(current, panic.proposal ?? 0, floor ?? 0)
            let unavailable = (state.unavailableCycles ?? 0) + 1
            state.unavailableCycles = unavailable
            if let fallback = target.fallback, unavailable >= fallback.afterFailedCycles,
                fallback.replicas > current
            {
                steps.set(min(fallback.replicas, target.maxReplicas), .fallback)
                context.wanted = max(context.wanted ?? current, steps.value)
            }
        }
        if reports.contains(where: { $0.role == .scale && $0.status.isValid }) { state.unavailableCycles = nil }

        if let proposal = panic.proposal, proposal > steps.value {
            steps.set(proposal, .panicMode)
        } else if panic.panicking, steps.value < current {
            steps.set(current, .panicBlocksScaleDown)
        }
        if let floor, floor > steps.value {
            steps.set(floor, .scheduledFloor)
        }
        limitStarting(&steps, context: context)
        applyBudget(&steps, &context)
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

    /// Returns the first rule that forbids scale-down this cycle, if any. Panic and pool-size
    /// readings never block it.
    static func scaleDownBlocker(_ reports: [SignalReport], recovering: Bool, context: Context? = nil)
        -> DecisionReason?
    {
        if reports.contains(where: { $0.role == .scale && !$0.status.isValid }) {
            return .invalidSignalBlocksScaleDown
        }
        if reports.contains(where: { $0.role == .guard && !$0.status.isValid }) {
            return .guardUnavailableBlocksScaleDown
        }
        if reports.contains(where: { $0.role == .guard && $0.status == .guardActive }) {
            return .guardBlocksScaleDown
        }
        if context?.conditions.downstreamBound == true { return .downstreamBound }
        if context?.conditions.panicking == true { return .panicBlocksScaleDown }
        return recovering ? .recoveryBlocksScaleDown : nil
    }

    /// Counts recovery cycles down and returns true while any signal is still recovering.
    /// An invalid signal restarts its count at `recoveryCycles`; each valid cycle with a
    /// count above 0 blocks scale-down and lowers it by one. Only scale signals and guards take
    /// part.
    static func updateRecovery(_ state: inout ScalingHistory, signals: [SignalPolicy], reports: [SignalReport])
        -> Bool
    {
        var recovering = false
        for (signal, report) in zip(signals, reports) where signal.role == .scale || signal.role == .guard {
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
