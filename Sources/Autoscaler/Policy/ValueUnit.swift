/// The unit of a query's result.
public enum ValueUnit: String, Sendable, Codable, CaseIterable {
    case seconds
    case milliseconds
    case bytes
    /// A fraction, 1 meaning 100 %.
    case ratio
    /// A percentage, 100 meaning 100 %.
    case percent
    /// A plain count (items, connections, requests per second).
    case count

    /// The kind of quantity this unit measures.
    public var dimension: TargetDimension {
        switch self {
        case .seconds, .milliseconds: .duration
        case .bytes: .bytes
        case .ratio, .percent: .fraction
        case .count: .count
        }
    }
}

/// The kind of quantity a target or a result measures.
public enum TargetDimension: String, Sendable, Codable {
    case duration
    case bytes
    case fraction
    case count

    /// The unit assumed for a query's result when neither the metric name nor the policy
    /// states one: Prometheus base units (seconds, bytes, ratios).
    public var defaultResultUnit: ValueUnit {
        switch self {
        case .duration: .seconds
        case .bytes: .bytes
        case .fraction: .ratio
        case .count: .count
        }
    }
}
