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

    public init(
        kind: WorkloadKind = .deployment,
        namespace: String,
        name: String,
        minReplicas: Int = 1,
        maxReplicas: Int,
        mode: TargetMode = .scale,
        signals: [SignalPolicy],
        behavior: ScalingBehavior = ScalingBehavior()
    ) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.mode = mode
        self.signals = signals
        self.behavior = behavior
    }

    /// `Kind namespace/name`, as messages name the target.
    public var identity: String { "\(kind.rawValue) \(namespace)/\(name)" }
}
