/// The outcome of loading a policy file: the targets that are valid and every problem found.
public struct PolicyLoadResult: Sendable {
    /// Valid targets in file order. A target with any problem is left out; the others stay.
    public let targets: [TargetPolicy]
    /// Valid databases in file order; targets that name an invalid one are rejected.
    public let databases: [DatabasePolicy]
    /// Every problem, in file order.
    public let problems: [PolicyProblem]
    /// Number of entries under `targets`, valid or not.
    public let declaredTargetCount: Int
    /// The scrape interval that panic windows were checked against: the policy's
    /// `scrapeInterval`, or 15 s when it has none.
    public let scrapeIntervalSeconds: Double
    /// The policy-wide `freeze` and `outsideWriters` settings.
    public var controls = PolicyControls()

    public var isValid: Bool { problems.isEmpty }

    public init(
        targets: [TargetPolicy],
        databases: [DatabasePolicy] = [],
        problems: [PolicyProblem],
        declaredTargetCount: Int,
        scrapeIntervalSeconds: Double = PolicyLoader.defaultScrapeIntervalSeconds
    ) {
        self.targets = targets
        self.databases = databases
        self.problems = problems
        self.declaredTargetCount = declaredTargetCount
        self.scrapeIntervalSeconds = scrapeIntervalSeconds
    }
}
