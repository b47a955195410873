import FleetModel

/// The outcome of one policy on one scenario and seed.
public struct PolicyRun: Sendable {
    /// `headroom` or the baseline's name.
    public var policy: String
    public var scenario: String
    public var seed: UInt64
    public var scores: RunScores
    /// The per-tick timeline, kept only when the run was asked to keep it.
    public var records: [TimelineRecord]?
    /// Wall seconds the run took.
    public var wallSeconds: Double
}
