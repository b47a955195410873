/// One metric a target scales on or is guarded by, after its preset and defaults are applied.
public struct SignalPolicy: Sendable, Equatable, Codable {
    /// Unique within the target; the key of the signal's outcome in the engine's input.
    public var name: String
    /// The preset the signal was built from, if any.
    public var preset: String?
    /// PromQL with `{{namespace}}`, `{{name}}` and `{{<label>}}` for each key of `labels`.
    public var query: String
    /// Prometheus label name to value template (which may use `{{namespace}}` and
    /// `{{name}}`), used to match the series of a grouped query back to this target.
    public var labels: [String: String]
    public var target: SignalTarget
    /// The unit the query's result is in; the target is converted to it once at load.
    public var resultUnit: ValueUnit
    /// How a value turns into a replica proposal; `nil` for a guard.
    public var rule: ProposalRule?
    /// Largest factor one `latencyStep` proposal may apply to the ready replicas (> 1).
    public var maxStepFactor: Double
    /// Samples older than this are stale, in seconds.
    public var maxSampleAgeSeconds: Double
    public var onEmpty: EmptyResultMeaning
    public var role: SignalRole
    /// Valid cycles a signal needs after being invalid before it allows a scale-down.
    public var recoveryCycles: Int
    /// Whether the query returns one series per pod or one for the whole fleet.
    public var scope: SignalScope
    /// What the signal measures, which decides whether it may scale out while the database is
    /// the bottleneck.
    public var category: SignalCategory

    public init(
        name: String,
        preset: String? = nil,
        query: String,
        labels: [String: String] = [:],
        target: SignalTarget,
        resultUnit: ValueUnit? = nil,
        rule: ProposalRule?,
        maxStepFactor: Double = SignalPolicy.defaultMaxStepFactor,
        maxSampleAgeSeconds: Double = SignalPolicy.defaultMaxSampleAgeSeconds,
        onEmpty: EmptyResultMeaning = .noData,
        role: SignalRole = .scale,
        recoveryCycles: Int = SignalPolicy.defaultRecoveryCycles,
        scope: SignalScope = .fleet,
        category: SignalCategory? = nil
    ) {
        self.name = name
        self.preset = preset
        self.query = query
        self.labels = labels
        self.target = target
        self.resultUnit = resultUnit ?? target.dimension.defaultResultUnit
        self.rule = rule
        self.maxStepFactor = maxStepFactor
        self.maxSampleAgeSeconds = maxSampleAgeSeconds
        self.onEmpty = onEmpty
        self.role = role
        self.recoveryCycles = recoveryCycles
        self.scope = scope
        self.category = category ?? SignalCategory.inferred(rule: rule, role: role)
    }

    public static let defaultMaxStepFactor = 1.5
    public static let defaultMaxSampleAgeSeconds = 120.0
    public static let defaultRecoveryCycles = 3

    /// The target expressed in `resultUnit`, the number the query's result is compared with.
    public var threshold: Double { target.value(in: resultUnit) }
}

/// What a signal does with its value.
public enum SignalRole: String, Sendable, Codable, CaseIterable {
    /// Proposes a replica count; the target's proposal is the maximum over scale signals.
    case scale
    /// Never proposes; blocks scale-down while its value is above its target or invalid.
    case `guard`
    /// The short-window copy of a scale signal that panic mode reads; made by the loader from
    /// a target's `panic`, never written in a policy.
    case panic
    /// The pool size of each pod, read with PromQL for a target's database budget; made by the
    /// loader from `database.poolSize`, never written in a policy.
    case poolSize
}

/// Whether a signal's series can be split by pod.
public enum SignalScope: String, Sendable, Codable, CaseIterable {
    /// One series for the whole target (ingress, PgBouncer, a queue): the engine discounts
    /// warming pods' capacity instead of their samples.
    case fleet
    /// One series per pod, told apart by a `pod` label: warming and starting pods' samples
    /// are left out.
    case pod
}

/// What a signal measures.
public enum SignalCategory: String, Sendable, Codable, CaseIterable {
    /// Demand, such as requests per second.
    case load
    /// Per-pod use of a resource, such as CPU or event-loop utilization.
    case utilization
    /// Response time.
    case latency
    /// Failed responses.
    case errors
    /// Work waiting in front of the pods (a proxy or job queue).
    case queue
    /// Use of or waiting for the pods' database pools.
    case pool

    /// Latency and errors get worse when the database is the bottleneck, so they must not add
    /// pods then: more pods would add connections.
    public var isDownstreamSymptom: Bool { self == .latency || self == .errors }

    /// The category of a signal that does not state one.
    public static func inferred(rule: ProposalRule?, role: SignalRole) -> SignalCategory {
        switch rule {
        case .latencyStep: .latency
        case .utilization: .utilization
        case .perReplica: .load
        case nil: role == .guard ? .errors : .load
        }
    }
}

/// How a signal's value becomes a replica proposal.
public enum ProposalRule: String, Sendable, Codable, CaseIterable {
    /// Per-replica average against a per-replica target: `ceil(ready × value / target)`.
    case utilization
    /// A total divided by what one replica handles: `ceil(value / target)`.
    case perReplica
    /// Latency against its target, as a bounded step:
    /// `ceil(ready × clamp(value / target, 1 / maxStepFactor, maxStepFactor))`.
    case latencyStep
}

/// What an empty query result means for a signal.
public enum EmptyResultMeaning: String, Sendable, Codable, CaseIterable {
    /// No data: the signal is invalid for the cycle.
    case noData
    /// The value 0, for signals whose series exist only while there is something to count.
    case zero
}
