/// Settings of a control loop run.
public struct ControlLoopConfiguration: Sendable {
    /// Time from the start of one cycle to the start of the next.
    public var interval: Duration
    /// Read everything, write nothing: no scale, no Event. Would-be actions are logged.
    public var dryRun: Bool
    /// Largest number of targets reconciled at once.
    public var maxConcurrentTargets: Int
    /// Asked at the start of each cycle whether this instance may write (scale and Events);
    /// false for a standby that keeps computing so a failover starts warm.
    public var mayWrite: @Sendable () -> Bool
    /// The field manager Headroom's own writes carry, so they are not counted as outside
    /// overrides.
    public var fieldManager: String

    public init(
        interval: Duration = .seconds(15),
        dryRun: Bool = false,
        maxConcurrentTargets: Int = 8,
        mayWrite: @escaping @Sendable () -> Bool = { true },
        fieldManager: String = "headroom"
    ) {
        self.interval = interval
        self.dryRun = dryRun
        self.maxConcurrentTargets = max(1, maxConcurrentTargets)
        self.mayWrite = mayWrite
        self.fieldManager = fieldManager
    }
}

/// The result of one target's reconcile in one cycle.
public enum TargetOutcome: Sendable, Equatable {
    /// The decision needed no write.
    case unchanged(replicas: Int)
    /// `spec.replicas` was written.
    case scaled(from: Int, to: Int)
    /// A write was due but not made, because of `--dry-run` or observe mode.
    case wouldScale(from: Int, to: Int)
    /// Someone else changed `spec.replicas` between the read and the write; their value stays.
    case outsideChange(from: Int, to: Int)
    /// The workload was scaled to 0 by hand and autoscaling for it is off.
    case scalingDisabled
    /// An operator control or a conflict holds the target: paused, frozen, scaled by an HPA,
    /// or fought over by another writer.
    case held(replicas: Int, reason: DecisionReason)
    /// Reading or writing the workload failed.
    case failed(String)
}

/// The result of one cycle: each target's outcome by identity.
public struct CycleReport: Sendable, Equatable {
    public var outcomes: [String: TargetOutcome]
    /// The names of each target's signals whose query failed this cycle (Prometheus
    /// unreachable, timing out, an error status or an unreadable response), sorted, by target
    /// identity. Empty, stale, non-finite and negative results are not listed, because a
    /// working Prometheus returned them.
    public var failedSignals: [String: [String]] = [:]

    /// True when no target failed.
    public var succeeded: Bool {
        !outcomes.values.contains { if case .failed = $0 { true } else { false } }
    }
}
