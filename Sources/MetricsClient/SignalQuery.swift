/// One signal to sample for many targets: a PromQL template and how to read its result.
public struct SignalQuery: Sendable, Hashable {
    /// The key of this signal's outcomes in `SignalSampler.sample` results.
    public var name: String
    public var template: PromQLTemplate
    /// Series label to expected value, such as `["ingress": "{{name}}", "namespace":
    /// "{{namespace}}"]`. Values may use the target's placeholders. A series of a grouped
    /// query belongs to the target whose expected values all equal the series' labels.
    /// The signal is grouped only when every placeholder of the template is a key of this
    /// map or appears in one of its values, so that these labels identify one target.
    /// Empty means the signal cannot be grouped and is queried per target. The grouped age
    /// query groups the raw input series by the same labels, and a target whose raw series
    /// lack them gets its own age query.
    public var labels: [String: String]
    /// A sample whose newest raw input is older than this comes back `.stale`. Nil turns
    /// the staleness check, and the age query, off.
    public var maxAge: Duration?
    /// Whether a negative value is valid. When false, one comes back `.negative`.
    public var allowsNegative: Bool
    /// The raw selectors whose newest sample dates the signal. Nil means those that
    /// `RawSelectorScanner` finds in the template.
    public var rawSelectors: [String]?

    public init(
        name: String,
        template: PromQLTemplate,
        labels: [String: String] = [:],
        maxAge: Duration? = nil,
        allowsNegative: Bool = false,
        rawSelectors: [String]? = nil
    ) {
        self.name = name
        self.template = template
        self.labels = labels
        self.maxAge = maxAge
        self.allowsNegative = allowsNegative
        self.rawSelectors = rawSelectors
    }
}

/// A scale target as the metrics client sees it: an id for the results and the values of
/// its placeholders (`namespace`, `name` and any label the policy maps).
public struct QueryTarget: Sendable, Hashable {
    public var id: String
    public var placeholders: [String: String]

    public init(id: String, placeholders: [String: String]) {
        self.id = id
        self.placeholders = placeholders
    }
}
