/// The engine's output for one target and cycle.
public struct Decision: Sendable, Codable, Equatable {
    /// `spec.replicas` the decision started from.
    public let currentReplicas: Int
    /// The replica count the target should have.
    public let desiredReplicas: Int
    /// The rule that decided or last limited `desiredReplicas`.
    public let reason: DecisionReason
    /// Every rule that held or changed the value, in the order they were applied.
    public let limits: [DecisionReason]
    public let signals: [SignalReport]
    public let mode: TargetMode
    /// History to pass to the next cycle once `desiredReplicas` was written (or nothing
    /// needed writing).
    public let history: ScalingHistory
    /// History to pass to the next cycle when the write failed: the same without this
    /// cycle's scale event.
    public let historyIfNotWritten: ScalingHistory

    /// True when the caller should write `desiredReplicas` to the scale subresource.
    public var shouldWrite: Bool { mode == .scale && desiredReplicas != currentReplicas }

    /// One line with the numbers, for an Event or a log record.
    public var message: String {
        let values = signals.map { report in
            let value = report.value.map { String($0) } ?? "-"
            let proposal = report.proposal.map { " -> \($0)" } ?? ""
            return "\(report.name)=\(value)\(proposal) (\(report.status.rawValue))"
        }
        let prefix = mode == .observe ? "observe only: " : ""
        return "\(prefix)desired \(desiredReplicas), current \(currentReplicas): \(reason.rawValue); "
            + values.joined(separator: ", ")
    }
}
