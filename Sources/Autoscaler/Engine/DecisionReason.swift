/// The reason a decision came out as it did, as operators read it in Events, logs and metrics.
/// Names follow the HPA's condition reasons where the meaning is the same.
public enum DecisionReason: String, Sendable, Codable, CaseIterable {
    /// The signals' proposal was applied unchanged and is higher than the current count.
    case scaledUp = "ScaledUp"
    /// The signals' proposal was applied unchanged and is lower than the current count.
    case scaledDown = "ScaledDown"
    /// The signals propose the current count.
    case noChange = "NoChange"
    /// The deciding signal is within the tolerance around its target.
    case withinTolerance = "WithinTolerance"
    /// No scale signal has a valid value; the current count is kept.
    case metricUnavailable = "MetricUnavailable"
    /// A scale signal is invalid, so the valid ones may scale up but not down.
    case invalidSignalBlocksScaleDown = "InvalidSignalBlocksScaleDown"
    /// A guard is above its threshold.
    case guardBlocksScaleDown = "GuardBlocksScaleDown"
    /// A guard has no valid value.
    case guardUnavailableBlocksScaleDown = "GuardUnavailableBlocksScaleDown"
    /// A signal was invalid recently and has not had its recovery cycles yet.
    case recoveryBlocksScaleDown = "RecoveryBlocksScaleDown"
    /// The proposal is above `maxReplicas`.
    case tooManyReplicas = "TooManyReplicas"
    /// The proposal is below `minReplicas`.
    case tooFewReplicas = "TooFewReplicas"
    /// A lower recommendation within the scale-up window keeps the count down.
    case scaleUpStabilized = "ScaleUpStabilized"
    /// A higher recommendation within the scale-down window (or a restart within it) holds
    /// the count up.
    case scaleDownStabilized = "ScaleDownStabilized"
    /// The scale-up rate policies allow less.
    case scaleUpLimit = "ScaleUpLimit"
    /// The scale-down rate policies allow less.
    case scaleDownLimit = "ScaleDownLimit"
    /// `selectPolicy: Disabled` forbids scale-up.
    case scaleUpDisabled = "ScaleUpDisabled"
    /// `selectPolicy: Disabled` forbids scale-down.
    case scaleDownDisabled = "ScaleDownDisabled"
    /// The current count is below `minReplicas`; the engine sets `minReplicas`.
    case currentBelowMinReplicas = "CurrentBelowMinReplicas"
    /// The current count is above `maxReplicas`; the engine sets `maxReplicas`.
    case currentAboveMaxReplicas = "CurrentAboveMaxReplicas"
    /// Someone scaled the workload to 0 while `minReplicas` is at least 1; as the HPA does,
    /// autoscaling stays off until the workload is scaled above 0 again.
    case scalingDisabled = "ScalingDisabled"
    /// The target is in observe mode: the decision is reported, never written.
    case observeOnly = "ObserveOnly"
    /// The signals asked for more replicas than the database budget allows; the budget's
    /// ceiling was applied.
    case downstreamLimited = "DownstreamLimited"
    /// The database is saturated now: latency and error signals may not add replicas and
    /// scale-down waits.
    case downstreamBound = "DownstreamBound"
    /// The database budget is unknown (its readings are older than `budgetMaxAge`), so
    /// scale-up stops.
    case downstreamBudgetUnknown = "DownstreamBudgetUnknown"
    /// Enough pods are still starting that the next step waits for them to become Ready.
    case startingPodsLimit = "StartingPodsLimit"
    /// The short window asked for at least the panic threshold times the Ready capacity; the
    /// count went straight to its recommendation.
    case panicMode = "PanicMode"
    /// Panic mode keeps the count: no scale-down while panicking.
    case panicBlocksScaleDown = "PanicBlocksScaleDown"
    /// A scheduled floor raised the count.
    case scheduledFloor = "ScheduledFloor"
    /// No scale signal has been valid for the fallback's cycles; the count rose to the
    /// fallback's.
    case fallback = "Fallback"
    /// The loop keeps the count because the target is paused by its annotation.
    case paused = "Paused"
    /// The loop keeps the count at the target's pin annotation.
    case pinned = "Pinned"
    /// The loop writes nothing: the policy freezes every target.
    case frozen = "Frozen"
    /// The loop stopped writing: another field manager keeps overriding `spec.replicas`.
    case conflictingWriter = "ConflictingWriter"
    /// The loop writes nothing: a HorizontalPodAutoscaler already scales the target.
    case scaledByHPA = "ScaledByHPA"
}
