import Foundation

/// What the engine remembers about one target between cycles. It goes in and comes out of
/// every decision as a value, so the caller can keep it in memory or persist it.
public struct ScalingHistory: Sendable, Codable, Equatable {
    /// A recommendation before stabilization, as the HPA records them.
    public struct Recommendation: Sendable, Codable, Equatable {
        public var time: Date
        public var replicas: Int

        public init(time: Date, replicas: Int) {
            self.time = time
            self.replicas = replicas
        }
    }

    /// A change the engine decided, positive for scale-up; the rate policies count them.
    public struct ScaleEvent: Sendable, Codable, Equatable {
        public var time: Date
        public var change: Int

        public init(time: Date, change: Int) {
            self.time = time
            self.change = change
        }
    }

    /// Panic mode's state while it lasts.
    public struct PanicState: Sendable, Codable, Equatable {
        /// When panic started.
        public var since: Date
        /// The last cycle whose short window was at or above the panic threshold.
        public var lastTriggered: Date

        public init(since: Date, lastTriggered: Date) {
            self.since = since
            self.lastTriggered = lastTriggered
        }
    }

    /// Changes of `spec.replicas` by other field managers, which the control loop tracks so that
    /// a writer that keeps overriding Headroom stops its writes instead of a fight. The engine ignores it.
    public struct OutsideWriters: Sendable, Codable, Equatable {
        /// One override: when it was seen and the field manager that made it.
        public struct Override: Sendable, Codable, Equatable {
            public var time: Date
            public var manager: String

            public init(time: Date, manager: String) {
                self.time = time
                self.manager = manager
            }
        }

        /// The count Headroom last wrote, until a read shows another value.
        public var lastWritten: Int?
        /// Overrides within the policy's override window.
        public var overrides: [Override] = []
        /// The manager that overrode too often, so nothing is written until the policy is reloaded.
        public var conflictingManager: String?

        public init(lastWritten: Int? = nil, overrides: [Override] = [], conflictingManager: String? = nil) {
            self.lastWritten = lastWritten
            self.overrides = overrides
            self.conflictingManager = conflictingManager
        }
    }

    /// When the engine first decided for this target with this history; until the
    /// scale-down window has passed since then, scale-down waits, because recommendations
    /// from before a restart are unknown.
    public var startedAt: Date?
    public var recommendations: [Recommendation]
    public var scaleEvents: [ScaleEvent]
    /// Per signal name: valid cycles still needed after an invalid one before the signal
    /// allows a scale-down again. Absent means none.
    public var pendingRecoveryCycles: [String: Int]
    /// Set while panic mode lasts.
    public var panic: PanicState?
    /// Cycles in a row without any valid scale signal.
    public var unavailableCycles: Int?
    /// When the engine last decided a change that was to be written, as the HPA's
    /// `status.lastScaleTime`.
    public var lastScaleTime: Date?
    /// Outside writers seen by the control loop.
    public var outsideWriters = OutsideWriters()

    public init(
        startedAt: Date? = nil,
        recommendations: [Recommendation] = [],
        scaleEvents: [ScaleEvent] = [],
        pendingRecoveryCycles: [String: Int] = [:],
        panic: PanicState? = nil,
        lastScaleTime: Date? = nil,
        outsideWriters: OutsideWriters = OutsideWriters()
    ) {
        self.startedAt = startedAt
        self.recommendations = recommendations
        self.scaleEvents = scaleEvents
        self.pendingRecoveryCycles = pendingRecoveryCycles
        self.panic = panic
        self.lastScaleTime = lastScaleTime
        self.outsideWriters = outsideWriters
    }

    /// Drops entries no rule of `behavior` looks at any more at `now`.
    func pruned(at now: Date, behavior: ScalingBehavior, signalNames: Set<String>) -> ScalingHistory {
        let window = max(behavior.scaleUp.stabilizationWindowSeconds, behavior.scaleDown.stabilizationWindowSeconds)
        let periods = (behavior.scaleUp.policies + behavior.scaleDown.policies).map(\.periodSeconds)
        let longestPeriod = periods.max() ?? 0
        var copy = self
        copy.recommendations = recommendations.filter { now.timeIntervalSince($0.time) <= Double(window) }
        copy.scaleEvents = scaleEvents.filter { now.timeIntervalSince($0.time) <= Double(longestPeriod) }
        copy.pendingRecoveryCycles = pendingRecoveryCycles.filter { signalNames.contains($0.key) && $0.value > 0 }
        return copy
    }
}
