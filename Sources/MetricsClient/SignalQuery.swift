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
    /// The label that names the pod of each series, for a signal read per pod (`pod` for
    /// series relabelled from Kubernetes service discovery). Nil reads one series per target.
    ///
    /// When set, a target's series are still matched to it through `labels`, then split by
    /// this label's value into `.perPod`, and each pod's sample is classified on its own
    /// (non-finite, negative, stale). No series at all is `.empty`, and two series of one pod
    /// make that pod `.ambiguous`. A series without this label fails the target's outcome with
    /// a reason that names the series, because its sample belongs to no known pod and could
    /// come from a warming one.
    ///
    /// The age query keeps this label too, so each pod is dated by its own raw series. A pod
    /// with no raw series of its own is dated by the target's raw series that lack the label.
    public var podLabel: String?

    public init(
        name: String,
        template: PromQLTemplate,
        labels: [String: String] = [:],
        maxAge: Duration? = nil,
        allowsNegative: Bool = false,
        rawSelectors: [String]? = nil,
        podLabel: String? = nil
    ) {
        self.name = name
        self.template = template
        self.labels = labels
        self.maxAge = maxAge
        self.allowsNegative = allowsNegative
        self.rawSelectors = rawSelectors
        self.podLabel = podLabel
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
