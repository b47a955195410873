/// The cold-start rules of a target: how its new pods count while they start and warm up,
/// and how many may start at once.
public struct ColdStartPolicy: Sendable, Equatable, Codable {
    /// Seconds after a pod turns Ready during which it is still warming: its samples of
    /// per-pod signals are ignored and it counts as partial capacity. 0 turns warm-up off.
    public var warmupSeconds: Int
    /// The share of a full pod's capacity a pod has when it turns Ready (0...1); it rises
    /// linearly to 1 over `warmupSeconds`.
    public var initialCapacity: Double
    /// Seconds a pod may stay Pending before it counts as unschedulable: reported, left out of
    /// capacity and of the starting cap.
    public var pendingTimeoutSeconds: Int
    /// The maximum pods that may be starting (not yet Ready) at once, or `nil` for no cap.
    public var maxStartingPods: StartingCap?

    public init(
        warmupSeconds: Int = 0,
        initialCapacity: Double = ColdStartPolicy.defaultInitialCapacity,
        pendingTimeoutSeconds: Int = ColdStartPolicy.defaultPendingTimeoutSeconds,
        maxStartingPods: StartingCap? = nil
    ) {
        self.warmupSeconds = warmupSeconds
        self.initialCapacity = initialCapacity
        self.pendingTimeoutSeconds = pendingTimeoutSeconds
        self.maxStartingPods = maxStartingPods
    }

    public static let defaultInitialCapacity = 0.5
    public static let defaultPendingTimeoutSeconds = 300
}

/// A cap on pods still starting, as a count or a share of the Ready pods.
public enum StartingCap: Sendable, Equatable, Codable {
    case pods(Int)
    /// Percent of the Ready pods, rounded up, and at least 1.
    case percent(Int)

    /// Returns the cap for `readyPods` Ready pods.
    public func limit(readyPods: Int) -> Int {
        switch self {
        case .pods(let count):
            return max(count, 0)
        case .percent(let percent):
            let share = (max(readyPods, 0) * max(percent, 0) + 99) / 100
            return max(share, 1)
        }
    }
}
