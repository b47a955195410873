import Foundation

extension ControlLoop {
    /// Replaces the targets and databases from the start of the next cycle. Targets that stay
    /// (same kind, namespace and name) keep their history; the state of removed targets is
    /// dropped.
    /// A `ConflictingWriter` stop is lifted by a reload, which is how an operator resumes a
    /// target after fixing the other writer. Only the stopped manager's overrides are cleared,
    /// so other targets and other managers keep their override counts. The recent decisions
    /// of removed targets are dropped with their state.
    public func replacePolicy(
        targets: [TargetPolicy],
        databases: [DatabasePolicy],
        controls: PolicyControls = PolicyControls()
    ) {
        pendingPolicy.withLock { $0 = LoadedPolicy(targets: targets, databases: databases, controls: controls) }
    }

    /// Puts a pending policy in force; called at the start of a cycle, so one cycle never mixes
    /// two policies.
    func applyPendingPolicy() {
        guard
            let next = pendingPolicy.withLock({ pending in
                defer { pending = nil }; return pending
            })
        else {
            return
        }
        policy.withLock { $0 = next }
        let kept = Set(next.targets.map(\.identity))
        state.withLock { state in
            state = state.filter { kept.contains($0.key) }
            for identity in state.keys {
                guard let stopped = state[identity]?.history.outsideWriters.conflictingManager else { continue }
                state[identity]?.history.outsideWriters.conflictingManager = nil
                state[identity]?.history.outsideWriters.overrides.removeAll { $0.manager == stopped }
            }
        }
        decisionLog.withLock { $0 = $0.filter { kept.contains($0.key) } }
        let names = Set(next.databases.map(\.name))
        databaseMemory.withLock { $0 = $0.filter { names.contains($0.key) } }
        metrics.targetsConfigured.set(Double(next.targets.count))
        metrics.removeSeries(keepingTargets: Set(next.targets.map(LoopMetrics.labels)), databases: names)
    }

    /// Each target's decision history by identity, to persist across restarts.
    public func histories() -> [String: ScalingHistory] {
        state.withLock { $0.mapValues(\.history) }
    }

    /// Restores histories saved by `histories()`; entries for targets not in the policy are
    /// ignored.
    public func restore(histories: [String: ScalingHistory]) {
        let known = Set(targets.map(\.identity))
        state.withLock { state in
            for (identity, history) in histories where known.contains(identity) {
                state[identity, default: TargetState()].history = history
            }
        }
    }

    /// Starts every target of the policy afresh at `now`, so scale-up is allowed and scale-down
    /// waits one window. A new leader without usable saved state calls it, because the
    /// recommendations it did not see are unknown.
    public func restartHistories(at now: Date) {
        let identities = targets.map(\.identity)
        state.withLock { state in
            for identity in identities {
                state[identity, default: TargetState()].history.startedAt = now
            }
        }
    }

    /// True when this cycle's decisions may be written (not a standby, not a dry run).
    public var isWriting: Bool { writing.withLock { $0 } }
}
