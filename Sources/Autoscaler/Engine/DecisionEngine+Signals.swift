import MetricsClient

extension DecisionEngine {
    /// Turns one signal's outcome into its report and, for a valid scale signal, a proposal
    /// within the target's bounds.
    static func evaluate(
        _ signal: SignalPolicy,
        outcome: SampleOutcome?,
        target: TargetPolicy,
        currentReplicas: Int,
        pods: PodCounts
    ) -> SignalReport {
        let invalid = { (status: SignalStatus, value: Double?, age: Double?, detail: String?) in
            SignalReport(
                name: signal.name,
                role: signal.role,
                status: status,
                value: value,
                ageSeconds: age,
                detail: detail
            )
        }

        let value: Double
        let age: Double?
        switch outcome {
        case nil:
            return invalid(.missing, nil, nil, "no outcome for this signal")
        case .empty:
            guard signal.onEmpty == .zero else { return invalid(.empty, nil, nil, "empty result read as no data") }
            value = 0
            age = nil
        case .nonFinite(let sample):
            return invalid(.nonFinite, sample, nil, nil)
        case .negative(let sample):
            return invalid(.negative, sample, nil, nil)
        case .stale(let sample, let sampleAge, _):
            return invalid(.stale, sample, seconds(sampleAge), nil)
        case .ambiguous(let count):
            return invalid(.ambiguous, nil, nil, "\(count) series matched this target")
        case .failed(let reason):
            return invalid(.failed, nil, nil, reason)
        case .perPod(let samples):
            guard signal.scope == .pod else {
                return invalid(.ambiguous, nil, nil, "\(samples.count) per-pod series for a fleet-wide signal")
            }
            return evaluatePerPod(
                signal,
                samples: samples,
                target: target,
                currentReplicas: currentReplicas,
                pods: pods
            )
        case .value(let sample, let sampleAge):
            value = sample
            age = sampleAge.map(seconds)
        }

        guard value.isFinite else { return invalid(.nonFinite, value, age, nil) }
        guard value >= 0 else { return invalid(.negative, value, age, nil) }
        if let age, !(age <= signal.maxSampleAgeSeconds) {
            return invalid(.stale, value, age, "older than maxSampleAge \(signal.maxSampleAgeSeconds)s")
        }

        if signal.role == .poolSize {
            return SignalReport(name: signal.name, role: signal.role, status: .read, value: value, ageSeconds: age)
        }
        guard signal.role == .scale || signal.role == .panic, let rule = signal.rule else {
            let status: SignalStatus = value > signal.threshold ? .guardActive : .guardClear
            return SignalReport(name: signal.name, role: signal.role, status: status, value: value, ageSeconds: age)
        }
        let proposal = propose(
            rule: rule,
            value: value,
            signal: signal,
            behavior: target.behavior,
            currentReplicas: currentReplicas,
            base: ratioBase(signal, target: target, currentReplicas: currentReplicas, pods: pods)
        )
        guard let proposal else { return invalid(.noReadyReplicas, value, age, "no ready replica") }
        return SignalReport(
            name: signal.name,
            role: signal.role,
            status: proposal.withinTolerance ? .withinTolerance : .proposed,
            value: value,
            ageSeconds: age,
            proposal: ReplicaMath.clamp(proposal.replicas, target.minReplicas, target.maxReplicas),
            unboundedProposal: proposal.replicas
        )
    }

    /// The replica count a ratio rule multiplies: the Ready pods that are not terminating, which
    /// carry the load the value was measured under (during a rollout, surge pods that are Ready
    /// do; terminating and unready ones do not). For a fleet-wide signal with warm-up, warming
    /// pods count only with the capacity they have, because the fleet-wide value reflects that.
    static func ratioBase(_ signal: SignalPolicy, target: TargetPolicy, currentReplicas: Int, pods: PodCounts)
        -> Double
    {
        let ready = Double(pods.ready)
        guard signal.scope == .fleet, target.coldStart.warmupSeconds > 0, pods.warmPodNames != nil else {
            return ready
        }
        return min(pods.capacity, ready)
    }

    /// Returns the replica count `rule` proposes for `value`, or `nil` when a ratio rule has no
    /// ready replica. Within tolerance the proposal is the current count, as in the HPA. A ratio
    /// rule's proposal is at least the current count while the value is above target and at
    /// most the current count while it is below.
    static func propose(
        rule: ProposalRule,
        value: Double,
        signal: SignalPolicy,
        behavior: ScalingBehavior,
        currentReplicas: Int,
        base: Double
    ) -> (replicas: Double, withinTolerance: Bool)? {
        let threshold = signal.threshold
        let current = Double(currentReplicas)
        let ready = base

        switch rule {
        case .perReplica:
            // With no replica the ratio is undefined, so the total decides alone (wake-up).
            if currentReplicas > 0,
                isWithinTolerance(value, of: threshold * current, behavior: behavior)
            {
                return (current, true)
            }
            return (ReplicaMath.ceiling(value / threshold), false)
        case .utilization, .latencyStep:
            guard ready > 0 else { return nil }
            if isWithinTolerance(value, of: threshold, behavior: behavior) {
                return (current, true)
            }
            var factor = value / threshold
            if rule == .latencyStep {
                factor = min(max(factor, 1 / signal.maxStepFactor), signal.maxStepFactor)
            }
            // Out of tolerance, so factor is not 1. With unready pods, ceil(ready × factor) can
            // fall below the current count while the value is above target, or rise above it
            // while below. Like the HPA's replica calculator, the current count is kept then.
            let proposal = ReplicaMath.ceiling(ready * factor)
            return (factor > 1 ? max(proposal, current) : min(proposal, current), false)
        }
    }

    /// True when `value` lies within the scale-up tolerance above `reference` and the
    /// scale-down tolerance below it. The edges count as within.
    static func isWithinTolerance(_ value: Double, of reference: Double, behavior: ScalingBehavior) -> Bool {
        let upper = reference * (1 + behavior.scaleUp.tolerance) * (1 + ReplicaMath.slack)
        let lower = reference * (1 - behavior.scaleDown.tolerance) * (1 - ReplicaMath.slack)
        return value <= upper && value >= lower
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
