import MetricsClient

extension DecisionEngine {
    /// Evaluates a per-pod signal. Only warm pods' samples count; the mean over them is the
    /// signal's value. A ratio rule then fills in the pods it could not sample as the HPA's
    /// replica calculator does: to scale up, warm pods without a sample and pods still starting
    /// or warming count as 0; to scale down, warm pods without a sample count as at target.
    /// Without a pod list every sample counts and nothing is filled in.
    static func evaluatePerPod(
        _ signal: SignalPolicy,
        samples: [String: SampleOutcome],
        target: TargetPolicy,
        currentReplicas: Int,
        pods: PodCounts
    ) -> SignalReport {
        let usable = samples.compactMap { pod, outcome -> (String, Double)? in
            guard case .value(let value, let age) = outcome, value.isFinite, value >= 0 else { return nil }
            if let age, !(seconds(age) <= signal.maxSampleAgeSeconds) { return nil }
            return (pod, value)
        }
        let counted = pods.warmPodNames.map { names in usable.filter { names.contains($0.0) } } ?? usable
        let ignored = usable.count - counted.count
        let ignoredNote = ignored > 0 ? "; \(ignored) sample(s) of starting or warming pods ignored" : ""
        guard !counted.isEmpty else {
            return SignalReport(
                name: signal.name,
                role: signal.role,
                status: .noWarmSamples,
                detail: "no usable sample from a warm pod (\(samples.count) series)\(ignoredNote)"
            )
        }
        let total = counted.reduce(0) { $0 + $1.1 }
        let mean = total / Double(counted.count)
        let detail = "mean of \(counted.count) warm pod(s)\(ignoredNote)"
        guard signal.role == .scale || signal.role == .panic, let rule = signal.rule else {
            let status: SignalStatus = mean > signal.threshold ? .guardActive : .guardClear
            return SignalReport(name: signal.name, role: signal.role, status: status, value: mean, detail: detail)
        }
        let current = Double(currentReplicas)
        let threshold = signal.threshold
        let proposal: (replicas: Double, withinTolerance: Bool)
        switch rule {
        case .perReplica:
            // A total over the counted pods, as the rule reads a total.
            proposal =
                isWithinTolerance(total, of: threshold * current, behavior: target.behavior) && currentReplicas > 0
                ? (current, true) : (ReplicaMath.ceiling(total / threshold), false)
        case .utilization, .latencyStep:
            if isWithinTolerance(mean, of: threshold, behavior: target.behavior) {
                proposal = (current, true)
                break
            }
            let missing = max((pods.warmPodNames?.count ?? counted.count) - counted.count, 0)
            let notReady = pods.warmPodNames == nil ? 0 : pods.warming.count + pods.starting
            let scalingUp = mean > threshold
            let count = counted.count + missing + (scalingUp ? notReady : 0)
            let filled = total + (scalingUp ? 0 : Double(missing) * threshold)
            let ratio = filled / (threshold * Double(count))
            // Filling in can take the ratio back within tolerance or across 1; the HPA keeps the
            // current count then.
            if isWithinTolerance(ratio, of: 1, behavior: target.behavior) || (ratio > 1) != scalingUp {
                proposal = (current, true)
                break
            }
            var factor = ratio
            if rule == .latencyStep {
                factor = min(max(factor, 1 / signal.maxStepFactor), signal.maxStepFactor)
            }
            let raw = ReplicaMath.ceiling(Double(count) * factor)
            proposal = (scalingUp ? max(raw, current) : min(raw, current), false)
        }
        return SignalReport(
            name: signal.name,
            role: signal.role,
            status: proposal.withinTolerance ? .withinTolerance : .proposed,
            value: mean,
            proposal: ReplicaMath.clamp(proposal.replicas, target.minReplicas, target.maxReplicas),
            unboundedProposal: proposal.replicas,
            detail: detail
        )
    }
}
