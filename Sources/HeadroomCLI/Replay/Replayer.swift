import Autoscaler
import Foundation
import MetricsClient

/// One replayed cycle of one target.
struct ReplayStep: Sendable, Equatable {
    let time: Date
    /// `spec.replicas` that existed at `time`; nil when the replicas query had no value, as
    /// for a daemon that could not read the workload.
    let actualReplicas: Int?
    /// `spec.replicas` at the next step with a value (this step's own on the last step):
    /// what happened after this cycle.
    let nextReplicas: Int?
    /// The engine's decision; nil when `actualReplicas` is nil.
    let decision: Decision?

    /// True when Headroom would have left the workload at another count than it had next.
    var differs: Bool {
        guard let decision, let nextReplicas else { return false }
        return decision.desiredReplicas != nextReplicas
    }
}

/// Steps `DecisionEngine` through a recorded time range as `headroom run` would have, each
/// cycle starting from the replicas that actually existed, not from its own recommendation.
///
/// History is carried as the daemon carries it (recommendations, recovery counts, start time).
/// Its scale events, though, are the changes that actually happened. Each is dated at the last
/// cycle before the new count was seen, because that cycle would have written it. So the rate
/// policies count what really changed, and a recording of Headroom's own run replays to the
/// history that run had.
enum Replayer {
    /// Replays `target` over `grid`.
    ///
    /// - Parameters:
    ///   - outcomes: per step, one outcome per signal name, as the sampler returns them.
    ///   - replicas: per step, `spec.replicas` then, or nil where unknown. The ready count
    ///     is taken to be equal, because the replicas query records only one of them.
    static func replay(
        target: TargetPolicy,
        grid: RangeGrid,
        outcomes: [[String: SampleOutcome]],
        replicas: [Int?]
    ) -> [ReplayStep] {
        precondition(outcomes.count == grid.count && replicas.count == grid.count, "one entry per step")
        var history = ScalingHistory()
        var lastSeen: (time: Date, replicas: Int)?
        var decisions: [Decision?] = []
        decisions.reserveCapacity(grid.count)

        for index in 0..<grid.count {
            let now = grid.time(at: index)
            guard let current = replicas[index] else {
                decisions.append(nil)
                continue
            }
            if target.mode == .scale, let last = lastSeen, last.replicas != current {
                history.scaleEvents.append(.init(time: last.time, change: current - last.replicas))
            }
            // NOTE: replay has no pod list and no database readings, so warm-up counts every
            // pod as warm and the database budget is not applied to replayed decisions.
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: outcomes[index],
                specReplicas: current,
                readyReplicas: current,
                history: history,
                now: now
            )
            decisions.append(decision)
            history = decision.historyIfNotWritten
            lastSeen = (now, current)
        }

        var next: Int?
        var steps: [ReplayStep] = []
        steps.reserveCapacity(grid.count)
        for index in stride(from: grid.count - 1, through: 0, by: -1) {
            let actual = replicas[index]
            steps.append(
                ReplayStep(
                    time: grid.time(at: index),
                    actualReplicas: actual,
                    nextReplicas: next ?? actual,
                    decision: decisions[index]
                )
            )
            if actual != nil { next = actual }
        }
        return steps.reversed()
    }

    /// Converts a replicas query value to a count; nil for NaN, infinities, negatives and
    /// values beyond Int32, which no workload can have.
    static func replicaCount(_ value: Double?) -> Int? {
        guard let value, value.isFinite, value >= 0, value <= Double(Int32.max) else { return nil }
        return Int(value.rounded())
    }
}
