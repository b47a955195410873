/// One signal's part in a decision: its value, age, proposal and status.
public struct SignalReport: Sendable, Codable, Equatable {
    public let name: String
    public let role: SignalRole
    public let status: SignalStatus
    /// The value in the query's unit, when the outcome carried one (also for stale,
    /// negative and non-finite values, which are reported but not used).
    public let value: Double?
    /// Age of the newest raw input in seconds, when known.
    public let ageSeconds: Double?
    /// The replica count this signal proposes, already within [minReplicas, maxReplicas];
    /// `nil` for guards and invalid signals.
    public let proposal: Int?
    /// The proposal before the bounds, which may be far above `maxReplicas` or infinite.
    public let unboundedProposal: Double?
    /// Extra detail for an operator, such as the failure reason of a query.
    public let detail: String?
    /// The proposal was set aside because the database is the bottleneck and this signal
    /// measures a symptom of it (latency, errors).
    public var setAside: Bool

    public var isSetAside: Bool { setAside }

    public init(
        name: String,
        role: SignalRole,
        status: SignalStatus,
        value: Double? = nil,
        ageSeconds: Double? = nil,
        proposal: Int? = nil,
        unboundedProposal: Double? = nil,
        detail: String? = nil,
        setAside: Bool = false
    ) {
        self.name = name
        self.role = role
        self.status = status
        self.value = value
        self.ageSeconds = ageSeconds
        self.proposal = proposal
        self.unboundedProposal = unboundedProposal
        self.detail = detail
        self.setAside = setAside
    }
}

/// The state of one signal in one cycle.
public enum SignalStatus: String, Sendable, Codable, CaseIterable {
    /// A scale signal proposed a count from its value.
    case proposed
    /// A scale signal is within tolerance and proposes the current count.
    case withinTolerance
    /// A guard is at or below its threshold.
    case guardClear
    /// A guard is above its threshold and blocks scale-down.
    case guardActive
    /// No outcome was given for the signal.
    case missing
    /// The query returned no series and the signal reads that as no data.
    case empty
    case nonFinite
    case negative
    case stale
    case ambiguous
    case failed
    /// A ratio rule has no ready replica to multiply by.
    case noReadyReplicas
    /// A per-pod signal has no usable sample from a warm pod.
    case noWarmSamples
    /// A value read for a rule other than proposing, such as a pool size.
    case read

    /// True for the statuses that carry a usable value.
    public var isValid: Bool {
        switch self {
        case .proposed, .withinTolerance, .guardClear, .guardActive, .read: true
        default: false
        }
    }
}
