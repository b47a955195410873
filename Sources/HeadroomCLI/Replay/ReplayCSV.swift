import Autoscaler
import Foundation

/// Every replayed step of every target as CSV, one row per step, for a spreadsheet or a plot.
enum ReplayCSV {
    static let header =
        "time,unix_seconds,target,actual_replicas,next_replicas,desired_replicas,reason,limits,signals\n"

    static func rows(target: TargetPolicy, steps: [ReplayStep]) -> String {
        var text = ""
        for step in steps {
            let decision = step.decision
            let signals: [String] = decision?.signals.map { "\($0.name)=\($0.value.map(Decision.format) ?? "-")" } ?? []
            let limits: [String] = decision?.limits.map(\.rawValue) ?? []
            var fields: [String] = [
                ReplayReport.timestamp(step.time), String(format: "%.3f", step.time.timeIntervalSince1970),
            ]
            fields.append(target.identity)
            fields.append(step.actualReplicas.map(String.init) ?? "")
            fields.append(step.nextReplicas.map(String.init) ?? "")
            fields.append(decision.map { String($0.desiredReplicas) } ?? "")
            fields.append(decision?.reason.rawValue ?? "")
            fields.append(limits.joined(separator: " "))
            fields.append(signals.joined(separator: " "))
            text += fields.map(quote).joined(separator: ",") + "\n"
        }
        return text
    }

    /// Quotes a field that contains a comma, quote or line break, as RFC 4180 does.
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
