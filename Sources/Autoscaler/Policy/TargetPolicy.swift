/// One workload and the rules that scale it, after defaults are filled in and validated.
public struct TargetPolicy: Sendable, Equatable, Codable {
    public var kind: WorkloadKind
    public var namespace: String
    public var name: String
    /// Lower bound of the desired replica count; 0 only with a `perReplica` scale signal.
    public var minReplicas: Int
    /// Upper bound of the desired replica count; at least `max(minReplicas, 1)`.
    public var maxReplicas: Int
    public var mode: TargetMode
    /// Signals in policy order; names are unique within the target.
    public var signals: [SignalPolicy]
    public var behavior: ScalingBehavior
    /// Warm-up, starting cap and pending timeout of new pods.
    public var coldStart: ColdStartPolicy
    /// The database budget this target draws from, if any.
    public var database: DatabaseBinding?
    /// Panic mode, if enabled; its short-window signal is in `signals` with role `panic`.
    public var panic: PanicPolicy?
    /// Floors for known events.
    public var schedules: [ScheduledFloor]
    /// The count to go to after enough cycles without any valid scale signal, if set.
    public var fallback: FallbackPolicy?

    public init(
        kind: WorkloadKind = .deployment,
        namespace: String,
        name: String,
        minReplicas: Int = 1,
        maxReplicas: Int,
        mode: TargetMode = .scale,
        signals: [SignalPolicy],
        behavior: ScalingBehavior = ScalingBehavior(),
        coldStart: ColdStartPolicy = ColdStartPolicy(),
        database: DatabaseBinding? = nil,
        panic: PanicPolicy? = nil,
        schedules: [ScheduledFloor] = [],
        fallback: FallbackPolicy? = nil
    ) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.mode = mode
        self.signals = signals
        self.behavior = behavior
        self.coldStart = coldStart
        self.database = database
        self.panic = panic
        self.schedules = schedules
        self.fallback = fallback
    }

    /// True when a rule needs the target's pods, not only its counts: warm-up, a starting cap,
    /// a per-pod signal or a database budget (terminating pods still hold connections).
    public var needsPods: Bool {
        coldStart.warmupSeconds > 0 || coldStart.maxStartingPods != nil || database != nil
            || signals.contains { $0.scope == .pod }
    }

    /// `Kind namespace/name`, as messages name the target.
    public var identity: String { "\(kind.rawValue) \(namespace)/\(name)" }
}

/// What a target does when its metrics stay unavailable, as KEDA's `fallback`: after
/// `afterFailedCycles` cycles in a row without a valid scale signal, the count rises to at least
/// `replicas`. It never lowers the count, because missing data says nothing about less load.
public struct FallbackPolicy: Sendable, Equatable, Codable {
    public var replicas: Int
    public var afterFailedCycles: Int

    public init(replicas: Int, afterFailedCycles: Int = 3) {
        self.replicas = replicas
        self.afterFailedCycles = afterFailedCycles
    }
}
