import FleetModel

/// The baseline names `simulate --baselines` accepts, each built for a scenario and fed the
/// same signal and target as Headroom: the fleet's request rate against the per-pod rate of
/// the scored runs (an External AverageValue metric for the HPA and KEDA), or the concurrency
/// a pod carries at that rate (Knative).
public enum KnownBaselines {
    public static let names = ["hpa", "keda", "kpa", "kpa-tuned", "hpa-tuned", "oracle"]

    /// Returns a fresh model called `name` for `scenario`, or nil for an unknown name.
    public static func make(
        _ name: String,
        scenario: Scenario,
        settings: SimulationSettings = SimulationSettings()
    ) -> (any SimulatedAutoscaler)? {
        let rate = settings.perPodRate
        let minimum = scenario.minReplicas
        let maximum = scenario.maxReplicas
        switch name {
        case "hpa":
            return HPAModel(targetAverageValue: rate, minReplicas: minimum, maxReplicas: maximum)
        case "hpa-tuned":
            return HPAModel.tuned(targetAverageValue: rate, minReplicas: minimum, maxReplicas: maximum)
        case "keda":
            return KEDAModel(targetAverageValue: rate, minReplicaCount: minimum, maxReplicaCount: maximum)
        case "kpa":
            return KPAModel(
                targetConcurrency: kpaTargetConcurrency(scenario.fleet, perPodRate: rate),
                minReplicas: minimum,
                maxReplicas: maximum
            )
        case "kpa-tuned":
            return KPAModel.tuned(
                targetConcurrency: kpaTargetConcurrency(scenario.fleet, perPodRate: rate),
                minReplicas: minimum,
                maxReplicas: maximum
            )
        case "oracle":
            return OracleModel(
                load: scenario.load,
                fleet: scenario.fleet,
                p99Objective: settings.objective,
                minReplicas: minimum,
                maxReplicas: maximum
            )
        default:
            return nil
        }
    }

    /// The Knative concurrency target equivalent to `perPodRate`: by Little's law a warm pod
    /// at that rate holds rate × latency requests, with latency the CPU and database time plus
    /// the M/D/1 wait of its event loop (ρ s ÷ 2(1 − ρ)). Knative aims at target × 0.7, its
    /// default utilization, so the target is that concurrency ÷ 0.7. For the scored fleet:
    /// 35 × (20 + 10 + 23.3 ms) = 1.87 requests in flight, target 2.67.
    public static func kpaTargetConcurrency(_ fleet: FleetParameters, perPodRate: Double) -> Double {
        let service = fleet.cpuTimePerRequest / Double(max(1, fleet.workersPerPod))
        let utilization = min(0.99, perPodRate * service)
        let wait = utilization * service / (2 * (1 - utilization))
        let latency = fleet.cpuTimePerRequest + fleet.databaseTimePerRequest + wait
        return perPodRate * latency / 0.7
    }
}
