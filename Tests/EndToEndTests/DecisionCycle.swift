import Foundation

/// One controller cycle of a `headroom run --log-level debug --log-format json` process for a
/// target with one signal: the signal record, then the decision record that follows it
/// (`holding`, `scaled` or `dry run: would scale`).
struct DecisionCycle {
    /// The time of the signal record, after the cycle's Prometheus query returned.
    var time: Double
    var value: Double?
    var proposal: Int?
    var message: String
    var current: Int
    var desired: Int

    var isScaleUp: Bool { desired > current }

    static let decisionMessages: Set<String> = ["holding", "scaled", "dry run: would scale"]

    /// Pairs each `signal` record with the next decision record of `target`. A signal record
    /// with no decision record after it (the process stopped in between) is left out.
    static func parse(_ log: String, target: String) throws -> [DecisionCycle] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var cycles: [DecisionCycle] = []
        var pending: JSONLogRecord?
        for record in JSONLogRecord.parse(log).about(target) {
            if record.message == "signal" {
                pending = record
                continue
            }
            guard decisionMessages.contains(record.message), let signal = pending else { continue }
            pending = nil
            guard let time = signal["time"].flatMap(formatter.date(from:)),
                let current = record["currentReplicas"].flatMap(Int.init),
                let desired = record["desiredReplicas"].flatMap(Int.init)
            else {
                throw CycleLogError(record: record.fields)
            }
            cycles.append(
                DecisionCycle(
                    time: time.timeIntervalSince1970,
                    value: signal["value"].flatMap(Double.init),
                    proposal: signal["proposal"].flatMap(Int.init),
                    message: record.message,
                    current: current,
                    desired: desired
                )
            )
        }
        return cycles
    }
}

/// A decision record without a time, currentReplicas or desiredReplicas.
struct CycleLogError: Error, CustomStringConvertible {
    var record: [String: String]

    var description: String { "decision record is missing time, currentReplicas or desiredReplicas: \(record)" }
}
