/// The Kubernetes HorizontalPodAutoscaler (autoscaling/v2) on one External metric with an
/// `AverageValue` target, as `pkg/controller/podautoscaler` computes it.
///
/// Each sync:
/// 1. `spec.replicas` 0 with `minReplicas` > 0 disables scaling; above `maxReplicas` or below
///    `minReplicas` the HPA goes straight to the bound.
/// 2. Replica proposal (`replica_calculator.go`, `GetExternalPerPodMetricReplicas`): with the
///    fleet's request rate as the metric, usage ratio = value ÷ (target × currentReplicas);
///    inside [1 − tolerance, 1 + tolerance] the proposal is currentReplicas, otherwise
///    ceil(value ÷ target). currentReplicas here is `scale.status.replicas` (`horizontal.go`,
///    `computeReplicasForMetrics` passes `statusReplicas`): every pod of the Deployment that is
///    not terminating, Ready or not. Unlike CPU metrics, an External metric gets no special
///    treatment of unready or missing pods, so a pod that is still starting counts as a full
///    replica. Checked against kubernetes/kubernetes `pkg/controller/podautoscaler`
///    (`horizontal.go`, `replica_calculator.go`).
/// 3. Stabilization: the proposal is recorded; the result is held between the lowest proposal
///    of the scale-up window and the highest of the scale-down window.
/// 4. Rate limits: the `behavior` policies, counted from the replicas at the start of each
///    policy period, combined by `selectPolicy`; then `minReplicas`/`maxReplicas`.
///
/// A missing metric (nil: Prometheus has too few samples) fails the metric, and the HPA leaves
/// the replicas as they are. The delay of the metric pipeline is the simulator's to model.
public struct HPAModel: SimulatedAutoscaler {
    public var name: String
    /// `--horizontal-pod-autoscaler-sync-period`.
    public var period: Double
    /// `target.averageValue` of the External metric, requests per second per replica.
    public var targetAverageValue: Double
    public var minReplicas: Int
    public var maxReplicas: Int
    /// `--horizontal-pod-autoscaler-tolerance`.
    public var tolerance: Double
    public var behavior: HPABehavior

    private var schedule: RunSchedule
    /// Unstabilized proposals by time, oldest first.
    private var recommendations: [(time: Double, replicas: Int)] = []
    private var hasRecommendations = false
    /// Replicas added or removed by each rescale, by time.
    private var scaleUpEvents: [(time: Double, change: Int)] = []
    private var scaleDownEvents: [(time: Double, change: Int)] = []

    public init(
        name: String = "hpa",
        targetAverageValue: Double,
        minReplicas: Int,
        maxReplicas: Int,
        syncPeriod: Double = 15,
        tolerance: Double = 0.1,
        behavior: HPABehavior = .kubernetesDefault
    ) {
        precondition(targetAverageValue > 0 && targetAverageValue.isFinite, "targetAverageValue must be > 0")
        precondition(minReplicas >= 0 && maxReplicas >= max(1, minReplicas), "need 0 ≤ minReplicas ≤ maxReplicas")
        precondition(syncPeriod > 0, "syncPeriod must be > 0")
        self.name = name
        self.period = syncPeriod
        self.targetAverageValue = targetAverageValue
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.tolerance = tolerance
        self.behavior = behavior
        self.schedule = RunSchedule(period: syncPeriod)
    }

    /// `hpa-tuned`: the HPA with `HPABehavior.tuned` (900 % per 15 s up, 60 s down window).
    public static func tuned(targetAverageValue: Double, minReplicas: Int, maxReplicas: Int) -> HPAModel {
        HPAModel(
            name: "hpa-tuned",
            targetAverageValue: targetAverageValue,
            minReplicas: minReplicas,
            maxReplicas: maxReplicas,
            behavior: .tuned
        )
    }

    public mutating func decide(_ observation: SimulatedObservation) -> Int? {
        guard schedule.isDue(at: observation.time) else { return nil }
        let now = observation.time
        let current = observation.specReplicas

        let desired: Int
        if current == 0 && minReplicas != 0 {
            // ScalingDisabled: the HPA never scales a workload someone set to 0.
            return nil
        } else if current > maxReplicas {
            desired = maxReplicas
        } else if current < minReplicas {
            desired = minReplicas
        } else {
            guard let value = observation.requestRate, value.isFinite, value >= 0 else { return nil }
            let proposal = proposedReplicas(
                value: value,
                statusReplicas: observation.readyPods + observation.unreadyPods
            )
            let stabilized = stabilize(proposal, current: current, now: now)
            desired = limitRate(stabilized, current: current, now: now)
        }

        guard desired != current else { return nil }
        recordScaleEvent(from: current, to: desired, now: now)
        return desired
    }

    /// Step 2: the metric's proposal before stabilization and bounds.
    func proposedReplicas(value: Double, statusReplicas: Int) -> Int {
        let ratio = value / (targetAverageValue * Double(statusReplicas))
        // Kubernetes (`Tolerances.isWithin`) accepts 1 − scaleDown ≤ ratio ≤ 1 + scaleUp. A value
        // exactly 10 % above stays inside, because 77 ÷ 70 and 1 + 0.1 round to the same Double.
        if ratio.isFinite && 1 - tolerance <= ratio && ratio <= 1 + tolerance {
            return statusReplicas
        }
        return BaselineMath.replicasRoundingUp(value / targetAverageValue)
    }

    /// Step 3: records `proposal` and returns the replicas the windows allow.
    private mutating func stabilize(_ proposal: Int, current: Int, now: Double) -> Int {
        // The first sync seeds the recommendation history with the current replicas, as the
        // controller's recordInitialRecommendation does, so an HPA created on a running workload
        // neither scales it down nor, with a scale-up window, up at once.
        if !hasRecommendations {
            recommendations.append((now, current))
        }
        hasRecommendations = true

        let upCutoff = now - behavior.scaleUp.stabilizationWindowSeconds
        let downCutoff = now - behavior.scaleDown.stabilizationWindowSeconds
        var upLimit = proposal
        var downLimit = proposal
        for entry in recommendations {
            if entry.time > upCutoff { upLimit = min(upLimit, entry.replicas) }
            if entry.time > downCutoff { downLimit = max(downLimit, entry.replicas) }
        }
        recommendations.removeAll { $0.time < min(upCutoff, downCutoff) }
        recommendations.append((now, proposal))

        return min(max(current, upLimit), downLimit)
    }

    /// Step 4: the behavior policies and the replica bounds.
    private func limitRate(_ desired: Int, current: Int, now: Double) -> Int {
        if desired > current {
            let limit = max(current, scaleUpLimit(current: current, now: now))
            return min(desired, maxReplicas, limit)
        } else if desired < current {
            let limit = min(current, scaleDownLimit(current: current, now: now))
            return max(desired, minReplicas, limit)
        }
        return desired
    }

    private func scaleUpLimit(current: Int, now: Double) -> Int {
        let rules = behavior.scaleUp
        if rules.selectPolicy == .disabled { return current }
        let limits = rules.policies.map { policy -> Int in
            let start = replicasAtPeriodStart(current: current, period: policy.periodSeconds, now: now)
            switch policy.kind {
            case .pods: return start + policy.value
            case .percent:
                // Rounded up so that a small percentage of few replicas still adds one.
                return BaselineMath.replicasRoundingUp(Double(start) * (1 + Double(policy.value) / 100))
            }
        }
        return (rules.selectPolicy == .max ? limits.max() : limits.min()) ?? current
    }

    private func scaleDownLimit(current: Int, now: Double) -> Int {
        let rules = behavior.scaleDown
        if rules.selectPolicy == .disabled { return current }
        let limits = rules.policies.map { policy -> Int in
            let start = replicasAtPeriodStart(current: current, period: policy.periodSeconds, now: now)
            switch policy.kind {
            case .pods: return max(0, start - policy.value)
            case .percent: return BaselineMath.replicasRoundingDown(Double(start) * (1 - Double(policy.value) / 100))
            }
        }
        // The largest change down is the fewest replicas.
        return (rules.selectPolicy == .max ? limits.min() : limits.max()) ?? current
    }

    /// Computes the replicas at the start of the last `period` seconds from the current count
    /// and the scale events inside the period.
    private func replicasAtPeriodStart(current: Int, period: Double, now: Double) -> Int {
        let cutoff = now - period
        let added = scaleUpEvents.filter { $0.time > cutoff }.reduce(0) { $0 + $1.change }
        let removed = scaleDownEvents.filter { $0.time > cutoff }.reduce(0) { $0 + $1.change }
        return current - added + removed
    }

    private mutating func recordScaleEvent(from current: Int, to desired: Int, now: Double) {
        if desired > current {
            scaleUpEvents.append((now, desired - current))
        } else {
            scaleDownEvents.append((now, current - desired))
        }
        let upCutoff = now - behavior.scaleUp.maximumPeriod
        let downCutoff = now - behavior.scaleDown.maximumPeriod
        scaleUpEvents.removeAll { $0.time <= upCutoff }
        scaleDownEvents.removeAll { $0.time <= downCutoff }
    }
}
