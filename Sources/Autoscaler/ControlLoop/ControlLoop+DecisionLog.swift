import Foundation

/// One decision as `/debug/decisions` shows it: when, from what workload state, and the
/// decision with every signal, rule and condition.
public struct RecordedDecision: Sendable, Codable, Equatable {
    public var time: Date
    public var specReplicas: Int
    public var readyReplicas: Int
    public var decision: Decision
}

extension ControlLoop {
    /// Decisions kept per target.
    static let decisionLogLength = 20

    /// Keeps `decision` as the newest of `target`'s recent decisions.
    func recordDecision(_ decision: Decision, target: TargetPolicy, workload: WorkloadState, at time: Date) {
        let entry = RecordedDecision(
            time: time,
            specReplicas: workload.specReplicas,
            readyReplicas: workload.readyReplicas,
            decision: decision
        )
        decisionLog.withLock { log in
            var entries = log[target.identity] ?? []
            entries.append(entry)
            if entries.count > Self.decisionLogLength { entries.removeFirst(entries.count - Self.decisionLogLength) }
            log[target.identity] = entries
        }
    }

    /// Each target's recent decisions by identity, oldest first.
    public func recentDecisions() -> [String: [RecordedDecision]] {
        decisionLog.withLock { $0 }
    }
}
