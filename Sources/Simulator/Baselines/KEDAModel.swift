/// KEDA's ScaledObject with one trigger on the fleet's request rate: KEDA's operator activates
/// and deactivates the workload (0 ↔ 1), and the HPA it creates does the rest.
///
/// Each poll (`pollingInterval`, 30 s by default):
/// - The trigger is active when value > `activationThreshold` (strictly, as KEDA's scalers
///   compare); an active poll sets `lastActiveTime`.
/// - Active at 0 replicas: scale to max(1, `minReplicaCount`) (KEDA's scale from zero).
/// - Inactive with `minReplicaCount` 0 and replicas > 0: scale to 0 once `lastActiveTime` +
///   `cooldownPeriod` is before now; never active since the model started counts as passed,
///   as KEDA treats a missing `lastActiveTime`.
/// - Otherwise KEDA's HPA (`HPAModel`, `minReplicas` = max(1, `minReplicaCount`)) decides.
///
/// Simplification: the real HPA syncs every 15 s on the value KEDA's metrics server serves;
/// here it runs once per poll. A missing metric is a scaler error: no change, no fallback.
public struct KEDAModel: SimulatedAutoscaler {
    public var name: String
    /// `pollingInterval`.
    public var period: Double
    public var minReplicaCount: Int
    public var maxReplicaCount: Int
    /// `activationThreshold` of the trigger.
    public var activationThreshold: Double
    /// `cooldownPeriod`: inactivity before scaling to 0.
    public var cooldownPeriod: Double

    private var hpa: HPAModel
    private var schedule: RunSchedule
    private var lastActiveTime: Double?

    public init(
        name: String = "keda",
        targetAverageValue: Double,
        minReplicaCount: Int = 0,
        maxReplicaCount: Int = 100,
        pollingInterval: Double = 30,
        activationThreshold: Double = 0,
        cooldownPeriod: Double = 300,
        behavior: HPABehavior = .kubernetesDefault
    ) {
        precondition(pollingInterval > 0, "pollingInterval must be > 0")
        self.name = name
        self.period = pollingInterval
        self.minReplicaCount = minReplicaCount
        self.maxReplicaCount = maxReplicaCount
        self.activationThreshold = activationThreshold
        self.cooldownPeriod = cooldownPeriod
        self.schedule = RunSchedule(period: pollingInterval)
        self.hpa = HPAModel(
            name: name,
            targetAverageValue: targetAverageValue,
            minReplicas: max(1, minReplicaCount),
            maxReplicas: maxReplicaCount,
            syncPeriod: pollingInterval,
            behavior: behavior
        )
    }

    public mutating func decide(_ observation: SimulatedObservation) -> Int? {
        guard schedule.isDue(at: observation.time) else { return nil }
        guard let value = observation.requestRate, value.isFinite else { return nil }
        let now = observation.time
        let current = observation.specReplicas

        let active = value > activationThreshold
        if active { lastActiveTime = now }

        if active && current == 0 {
            return max(1, minReplicaCount)
        }
        if !active && current > 0 && minReplicaCount == 0 {
            let cooledDown = lastActiveTime.map { $0 + cooldownPeriod < now } ?? true
            if cooledDown { return 0 }
        }
        if current < minReplicaCount {
            return minReplicaCount
        }
        guard current > 0 else { return nil }
        return hpa.decide(observation)
    }
}
