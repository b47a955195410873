import Foundation

/// One pod of a target as the engine counts it: Ready or not, since when, and whether it is
/// leaving.
public struct PodState: Sendable, Equatable, Codable {
    public var name: String
    public var phase: Phase
    /// The pod's `Ready` condition is `True`.
    public var isReady: Bool
    /// When the `Ready` condition last turned `True`, if it is `True`.
    public var readySince: Date?
    /// `metadata.creationTimestamp`.
    public var createdAt: Date?
    /// `metadata.deletionTimestamp` is set.
    public var isTerminating: Bool
    /// Reason and message of a `PodScheduled` condition that is `False`, such as
    /// `Unschedulable: 0/3 nodes are available`.
    public var schedulingProblem: String?

    public init(
        name: String,
        phase: Phase,
        isReady: Bool,
        readySince: Date? = nil,
        createdAt: Date? = nil,
        isTerminating: Bool = false,
        schedulingProblem: String? = nil
    ) {
        self.name = name
        self.phase = phase
        self.isReady = isReady
        self.readySince = readySince
        self.createdAt = createdAt
        self.isTerminating = isTerminating
        self.schedulingProblem = schedulingProblem
    }

    /// The pod phases of the Kubernetes API.
    public enum Phase: String, Sendable, Codable, CaseIterable {
        case pending = "Pending"
        case running = "Running"
        case succeeded = "Succeeded"
        case failed = "Failed"
        case unknown = "Unknown"
    }
}
