import Foundation

/// The engine's output for one target and cycle.
public struct Decision: Sendable, Codable, Equatable {
    /// `spec.replicas` the decision started from.
    public let currentReplicas: Int
    /// The replica count the target should have.
    public let desiredReplicas: Int
    /// What the signals, panic and scheduled floors asked for before stabilization, rate
    /// limits and the budget: the demand a shared database budget is split by.
    public let wantedReplicas: Int
    /// The rule that decided or last limited `desiredReplicas`.
    public let reason: DecisionReason
    /// Every rule that held or changed the value, in the order they were applied.
    public let limits: [DecisionReason]
    public let signals: [SignalReport]
    /// Budget, panic, pod and schedule states behind the decision.
    public let conditions: DecisionConditions
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
            let value = report.value.map(Decision.format) ?? "-"
            let proposal = report.proposal.map { " -> \($0)" } ?? ""
            let aside = report.setAside ? ", set aside" : ""
            return "\(report.name)=\(value)\(proposal) (\(report.status.rawValue)\(aside))"
        }
        let prefix = mode == .observe ? "observe only: " : ""
        var text =
            "\(prefix)desired \(desiredReplicas), current \(currentReplicas): \(reason.rawValue); "
            + values.joined(separator: ", ")
        let states = conditions.summary
        if !states.isEmpty { text += "; " + states.joined(separator: "; ") }
        return text
    }

    /// Formats a signal value for people: a value within float noise of a whole number below
    /// 1e15 as that number (`57.99999999999999` reads `58`), others with 6 significant digits.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf") }
        let whole = value.rounded()
        if abs(whole) < 1e15, abs(value - whole) <= 1e-9 * max(1, abs(value)) {
            return String(Int64(whole))
        }
        return String(format: "%.6g", value)
    }
}
