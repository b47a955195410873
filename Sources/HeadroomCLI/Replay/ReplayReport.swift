import Autoscaler
import Foundation

/// The text `headroom replay` prints: per target, each step whose recommendation differs from
/// what happened next, with the rule behind it, then the summary.
enum ReplayReport {
    static func text(target: TargetPolicy, steps: [ReplayStep], stepSeconds: Double) -> String {
        var text = "\(target.identity)\n"
        for step in steps where step.differs {
            text += "  " + line(step) + "\n"
        }
        text += "  summary:\n" + ReplaySummary(steps, stepSeconds: stepSeconds).text
        return text
    }

    /// `TIME  actual A -> N, Headroom D: Reason [limits X, Y]; signal=value -> proposal (status)`.
    static func line(_ step: ReplayStep) -> String {
        guard let decision = step.decision, let actual = step.actualReplicas else {
            return "\(timestamp(step.time))  no replicas value"
        }
        let next = step.nextReplicas.map(String.init) ?? "-"
        let limits =
            decision.limits.isEmpty ? "" : " [limits \(decision.limits.map(\.rawValue).joined(separator: ", "))]"
        let signals = decision.signals.map { report in
            let value = report.value.map(Decision.format) ?? "-"
            let proposal = report.proposal.map { " -> \($0)" } ?? ""
            return "\(report.name)=\(value)\(proposal) (\(report.status.rawValue))"
        }
        return "\(timestamp(step.time))  actual \(actual) -> \(next), Headroom \(decision.desiredReplicas): "
            + "\(decision.reason.rawValue)\(limits); \(signals.joined(separator: ", "))"
    }

    /// RFC 3339 in UTC with milliseconds only when the time has them.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        if milliseconds % 1000 != 0 {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        }
        return formatter.string(from: date)
    }
}
