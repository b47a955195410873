/// The outcome of loading a policy file: the targets that are valid and every problem found.
public struct PolicyLoadResult: Sendable {
    /// Valid targets in file order. A target with any problem is left out; the others stay.
    public let targets: [TargetPolicy]
    /// Every problem, in file order.
    public let problems: [PolicyProblem]
    /// Number of entries under `targets`, valid or not.
    public let declaredTargetCount: Int

    public var isValid: Bool { problems.isEmpty }
}
