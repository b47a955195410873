import Foundation

extension DecisionEngine {
    /// Moves `steps.value` only as far as the stabilization windows allow, as the HPA does.
    /// It rises at most to the minimum recommendation within the scale-up window and falls at
    /// most to the maximum within the scale-down window. Until a whole scale-down window has
    /// passed since `history.startedAt`, the current count is also in that maximum, because
    /// recommendations from before a restart are unknown.
    static func stabilize(
        _ steps: inout StepLog,
        history: ScalingHistory,
        recommendation: Int,
        behavior: ScalingBehavior,
        now: Date
    ) {
        let upWindow = Double(behavior.scaleUp.stabilizationWindowSeconds)
        let downWindow = Double(behavior.scaleDown.stabilizationWindowSeconds)
        var upperOfUp = recommendation
        var lowerOfDown = recommendation
        for past in history.recommendations {
            let age = now.timeIntervalSince(past.time)
            if age < upWindow { upperOfUp = min(upperOfUp, past.replicas) }
            if age < downWindow { lowerOfDown = max(lowerOfDown, past.replicas) }
        }
        if let startedAt = history.startedAt, now.timeIntervalSince(startedAt) < downWindow {
            lowerOfDown = max(lowerOfDown, steps.current)
        }

        let current = steps.current
        if recommendation > current, upperOfUp < recommendation {
            steps.set(max(upperOfUp, current), .scaleUpStabilized)
        } else if recommendation < current, lowerOfDown > recommendation {
            steps.set(min(lowerOfDown, current), .scaleDownStabilized)
        }
    }

    /// Limits `steps.value` by the rate policies of its direction.
    static func limitRate(_ steps: inout StepLog, history: ScalingHistory, target: TargetPolicy, now: Date) {
        let current = steps.current
        if steps.value > current {
            let rules = target.behavior.scaleUp
            guard rules.selectPolicy != .disabled else {
                steps.set(current, .scaleUpDisabled)
                return
            }
            let limit = max(scaleUpLimit(rules, current: current, events: history.scaleEvents, now: now), current)
            if steps.value > limit { steps.set(limit, .scaleUpLimit) }
        } else if steps.value < current {
            let rules = target.behavior.scaleDown
            guard rules.selectPolicy != .disabled else {
                steps.set(current, .scaleDownDisabled)
                return
            }
            let limit = min(scaleDownLimit(rules, current: current, events: history.scaleEvents, now: now), current)
            if steps.value < limit { steps.set(limit, .scaleDownLimit) }
        }
    }

    /// Returns the highest count the scale-up policies allow. A `Percent` policy allows at least one
    /// more pod than the period started with, so a target at 0 or 1 can grow.
    static func scaleUpLimit(_ rules: ScalingRules, current: Int, events: [ScalingHistory.ScaleEvent], now: Date)
        -> Int
    {
        let proposals = rules.policies.map { policy -> Int in
            let start = periodStartReplicas(policy, current: current, events: events, now: now)
            let value = min(max(policy.value, 0), Int(Int32.max))
            switch policy.type {
            case .pods:
                return start + value
            case .percent:
                // Integer ceiling of start × (100 + value) / 100; both factors are below 2^32.
                let grown = (start * (100 + value) + 99) / 100
                return max(grown, start + 1)
            }
        }
        let chosen = rules.selectPolicy == .min ? proposals.min() : proposals.max()
        return chosen ?? current
    }

    /// Returns the lowest count the scale-down policies allow, never below 0. A `Percent` policy
    /// allows at least one pod fewer than the period started with.
    static func scaleDownLimit(_ rules: ScalingRules, current: Int, events: [ScalingHistory.ScaleEvent], now: Date)
        -> Int
    {
        let proposals = rules.policies.map { policy -> Int in
            let start = periodStartReplicas(policy, current: current, events: events, now: now)
            let value = min(max(policy.value, 0), Int(Int32.max))
            switch policy.type {
            case .pods:
                return max(start - value, 0)
            case .percent:
                let remaining = start * max(100 - value, 0) / 100
                return max(min(remaining, start - 1), 0)
            }
        }
        let chosen = rules.selectPolicy == .min ? proposals.max() : proposals.min()
        return chosen ?? current
    }

    /// Returns the replica count at the start of `policy`'s period: the current count minus the
    /// changes recorded within the period. Summed in `Double` and clamped, so a corrupt
    /// history cannot overflow.
    static func periodStartReplicas(
        _ policy: RatePolicy,
        current: Int,
        events: [ScalingHistory.ScaleEvent],
        now: Date
    ) -> Int {
        let period = Double(policy.periodSeconds)
        let changed = events.filter { now.timeIntervalSince($0.time) < period }.reduce(0.0) {
            $0 + Double($1.change)
        }
        return ReplicaMath.clamp(Double(current) - changed, 0, Int(Int32.max))
    }
}
