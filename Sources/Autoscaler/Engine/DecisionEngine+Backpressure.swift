import Foundation

extension DecisionEngine {
    /// The state the backpressure rules of one decision share.
    struct Context {
        let target: TargetPolicy
        let counts: PodCounts
        let budget: BudgetShare?
        let now: Date
        var conditions = DecisionConditions()
        /// The count the signals, panic and floors ask for before stabilization, rate limits and
        /// the budget: the target's demand when a budget is split.
        var wanted: Int?

        init(target: TargetPolicy, counts: PodCounts, budget: BudgetShare?, now: Date) {
            self.target = target
            self.counts = counts
            self.budget = budget
            self.now = now
            if let budget {
                conditions.budgetCeiling = budget.ceiling
                conditions.usableConnections = budget.status.usable
                conditions.minimumExceedsShare = budget.minimumExceedsShare
                conditions.evidence = budget.status.evidence
                if case .unknown = budget.status.freshness { conditions.budgetUnknown = true }
            }
        }

        /// Decides whether the database is the bottleneck for this target now and, if so, marks
        /// the latency and error signals that may not add replicas.
        mutating func markDownstream(_ reports: inout [SignalReport]) {
            guard let budget, budget.status.saturated else { return }
            var bound = true
            if !budget.status.behindPgBouncer, let name = target.database?.poolWaitingSignal,
                let report = reports.first(where: { $0.name == name })
            {
                if report.status.isValid, let waiting = report.value {
                    bound = waiting > 0
                    conditions.evidence.append("pool waiters (\(name)) \(Decision.format(waiting))")
                } else {
                    conditions.evidence.append("pool waiters (\(name)) unknown; the database side decides")
                }
            }
            guard bound else { return }
            conditions.downstreamBound = true
            for index in reports.indices
            where (reports[index].role == .scale || reports[index].role == .panic) && reports[index].proposal != nil
                && categoryOf(reports[index].name)?.isDownstreamSymptom == true
            {
                reports[index].setAside = true
            }
        }

        func categoryOf(_ name: String) -> SignalCategory? {
            target.signals.first { $0.name == name }?.category
        }

        /// Returns the highest active scheduled floor, within the budget ceiling and `maxReplicas`, and
        /// never below `minReplicas`; `nil` when no schedule is active.
        mutating func scheduledFloor() -> Int? {
            guard let active = ScheduledFloor.activeFloor(target.schedules, at: now) else { return nil }
            var floor = min(active.replicas, target.maxReplicas)
            if let ceiling = budget?.ceiling { floor = min(floor, ceiling) }
            floor = max(floor, target.minReplicas)
            conditions.scheduledFloor = floor
            conditions.schedules = active.names
            return floor
        }
    }

    /// Panic mode, as Knative's autoscaler runs it: returns whether it lasts and the count it
    /// goes straight to. It starts when the panic signal's proposal reaches the threshold times
    /// the Ready capacity. While it lasts, every cycle goes to the short window's proposal (never
    /// down, as scale-down is blocked), and it ends once a whole stable window passed without
    /// reaching the threshold.
    static func updatePanic(_ state: inout ScalingHistory, context: Context, reports: [SignalReport])
        -> (panicking: Bool, proposal: Int?)
    {
        guard let panic = context.target.panic else {
            state.panic = nil
            return (false, nil)
        }
        // A panic copy of a latency or error signal is set aside while the database is the
        // bottleneck, like the signal itself.
        let report = reports.first { $0.role == .panic && $0.name == panic.signalName && !$0.setAside }
        let capacity = max(context.counts.capacity, 1)
        if let report, let wanted = report.unboundedProposal, wanted >= panic.threshold * capacity - 1e-9 {
            state.panic = ScalingHistory.PanicState(
                since: state.panic?.since ?? context.now,
                lastTriggered: context.now
            )
        }
        if let current = state.panic,
            context.now.timeIntervalSince(current.lastTriggered) >= Double(panic.stableWindowSeconds)
        {
            state.panic = nil
        }
        guard state.panic != nil, let report, let bounded = report.proposal else { return (state.panic != nil, nil) }
        let projected = projectedProposal(panic, short: report, reports: reports, target: context.target)
        return (true, max(bounded, projected ?? 0))
    }

    /// Returns the replicas for the demand projected ahead by `panic.lookaheadSeconds`, for a
    /// `perReplica` signal whose short and own windows both have values; otherwise `nil`.
    static func projectedProposal(
        _ panic: PanicPolicy,
        short: SignalReport,
        reports: [SignalReport],
        target: TargetPolicy
    )
        -> Int?
    {
        guard panic.lookaheadSeconds > 0,
            let signal = target.signals.first(where: { $0.name == panic.signal }), signal.rule == .perReplica,
            let shortValue = short.value, short.status.isValid,
            let long = reports.first(where: { $0.name == panic.signal }), long.status.isValid,
            let longValue = long.value
        else { return nil }
        let demand = panic.projectedDemand(short: shortValue, long: longValue)
        return ReplicaMath.clamp(ReplicaMath.ceiling(demand / signal.threshold), target.minReplicas, target.maxReplicas)
    }

    /// Holds scale-up while the pods still starting reach the cap: at most `cap − starting`
    /// more pods this cycle, so at most `cap × poolSize` new database connections open per
    /// startup period.
    static func limitStarting(_ steps: inout StepLog, context: Context) {
        guard steps.value > steps.current, let cap = context.target.coldStart.maxStartingPods else { return }
        let room = max(cap.limit(readyPods: context.counts.ready) - context.counts.starting, 0)
        if steps.value > steps.current + room {
            steps.set(steps.current + room, .startingPodsLimit)
        }
    }

    /// Applies the budget ceiling: it stops scale-up above the larger of the ceiling and the
    /// current count, and never forces a scale-down. With the budget unknown, scale-up stops.
    static func applyBudget(_ steps: inout StepLog, _ context: inout Context) {
        guard let budget = context.budget else { return }
        let current = steps.current
        guard let ceiling = budget.ceiling else {
            if steps.value > current { steps.set(current, .downstreamBudgetUnknown) }
            return
        }
        let limit = max(ceiling, current)
        let wanted = max(context.wanted ?? steps.value, steps.value)
        guard wanted > limit else { return }
        context.conditions.downstreamLimited = true
        if steps.value > limit {
            steps.set(limit, .downstreamLimited)
        } else {
            steps.note(.downstreamLimited)
        }
    }
}
