import Foundation
import MetricsClient
import Observability

extension ControlLoop {
    /// Evaluates every database from this cycle's readings and splits its budget among the
    /// targets that use it, in proportion to each target's demand before the budget.
    func budgetShares(
        outcomes: [String: [String: SampleOutcome]],
        reads: [String: Result<WorkloadState, any Error>],
        now: Date
    ) -> [String: BudgetShare] {
        var shares: [String: BudgetShare] = [:]
        for database in databases {
            let readings = database.queryTarget.map { outcomes[$0.identity] ?? [:] } ?? [:]
            let previous = databaseMemory.withLock { $0[database.name] ?? DatabaseMemory() }
            let (status, memory) = ConnectionBudget.evaluate(database, readings: readings, memory: previous, now: now)
            databaseMemory.withLock { $0[database.name] = memory }
            report(status, database: database, previous: previous)

            var claims: [BudgetClaim] = []
            var unknown: [String] = []
            for target in targets where target.database?.name == database.name {
                if let claim = claim(
                    for: target,
                    outcomes: outcomes[target.identity] ?? [:],
                    read: reads[target.identity],
                    now: now
                ) {
                    claims.append(claim)
                } else {
                    unknown.append(target.identity)
                }
            }
            guard unknown.isEmpty else {
                // Connections that cannot be counted could be anywhere up to the limit, so no
                // target of the database may scale up until they can be counted again.
                var status = status
                let reason =
                    "the connections of \(unknown.joined(separator: ", ")) are unknown (no workload read or pool size)"
                status.usable = nil
                status.freshness = .unknown(reason: reason)
                status.evidence.append(reason)
                shares.merge(ConnectionBudget.allocate(status, claims: claims)) { $1 }
                for identity in unknown {
                    shares[identity] = BudgetShare(
                        database: database.name,
                        ceiling: nil,
                        poolSize: 1,
                        guaranteed: 0,
                        status: status
                    )
                }
                continue
            }
            shares.merge(ConnectionBudget.allocate(status, claims: claims)) { $1 }
        }
        return shares
    }

    /// Returns `target`'s claim this cycle, or its last claim when its workload or pool size
    /// cannot be read now, or `nil` when neither is known. The claim's demand is what the
    /// engine decides without the budget.
    private func claim(
        for target: TargetPolicy,
        outcomes: [String: SampleOutcome],
        read: Result<WorkloadState, any Error>?,
        now: Date
    ) -> BudgetClaim? {
        let last = history(of: target).lastClaim
        guard case .success(let workload) = read, let binding = target.database else {
            // A target that is not read keeps its count, so it requests nothing more.
            return last.map { claim in
                var held = claim
                held.wantedReplicas = claim.currentReplicas
                return held
            }
        }
        let reading = binding.poolSize.fixedValue ?? outcomes[PolicyReader.poolSizeSignalName]?.finiteValue
        let poolSize: Int
        if let reading, reading >= 1 {
            poolSize = Int(min(reading, 1_000_000).rounded(.up))
        } else if let known = last?.poolSize {
            poolSize = known
        } else {
            return nil
        }
        let preliminary = DecisionEngine.decide(
            target: target,
            outcomes: outcomes,
            specReplicas: workload.specReplicas,
            readyReplicas: workload.readyReplicas,
            pods: workload.pods,
            history: history(of: target).history,
            now: now
        )
        let live = workload.pods?.filter { !$0.isTerminating && $0.phase != .succeeded && $0.phase != .failed }
        let claim = BudgetClaim(
            target: target.identity,
            minReplicas: target.minReplicas,
            currentReplicas: workload.specReplicas,
            poolSize: poolSize,
            wantedReplicas: preliminary.wantedReplicas,
            terminatingPods: workload.pods?.filter(\.isTerminating).count ?? 0,
            surgePods: max((live?.count ?? 0) - workload.specReplicas, 0)
        )
        update(target) { $0.lastClaim = claim }
        return claim
    }

    /// Sets a database's metrics and logs changes of its budget's state once.
    private func report(_ status: DatabaseStatus, database: DatabasePolicy, previous: DatabaseMemory) {
        let labels = [database.name]
        // An unknown value is NaN, never 0, so a dashboard cannot read a failed query as an
        // idle database.
        metrics.databaseUsable.set(status.usable.map(Double.init) ?? .nan, labels: labels)
        metrics.databaseActive.set(status.activeConnections ?? .nan, labels: labels)
        metrics.databaseSaturated.set(status.saturated ? 1 : 0, labels: labels)
        let log = logger.with(["database": .string(database.name)])
        let failing = status.failedReadings
        let before = databaseFailures.withLock { state in
            defer { state[database.name] = failing }
            return state[database.name] ?? []
        }
        if !failing.isEmpty, failing.map(Self.readingName) != before.map(Self.readingName) {
            log.warning(
                "database readings have no usable value",
                ["readings": .string(failing.joined(separator: "; "))]
            )
        } else if failing.isEmpty, !before.isEmpty {
            log.info("database readings work again")
        }
        switch status.freshness {
        case .current:
            metrics.databaseBudgetAge.set(0, labels: labels)
        case .kept(let age):
            metrics.databaseBudgetAge.set(age, labels: labels)
            log.debug("budget readings missing; keeping the last good budget", ["ageSeconds": .double(age)])
        case .unknown(let reason):
            metrics.databaseBudgetAge.set(-1, labels: labels)
            log.warning("database budget unknown; its targets may not scale up", ["reason": .string(reason)])
        }
        if let problem = status.problem {
            log.warning("database configuration problem", ["problem": .string(problem)])
        }
    }

    /// Returns the reading's name at the start of a failed-reading line, so a changing reason (such as
    /// a sample's age) does not log the same failure again.
    static func readingName(_ line: String) -> Substring {
        line.prefix { $0 != ":" }
    }

    /// Sets a target's condition metrics and records an Event when a condition starts.
    func reportConditions(_ decision: Decision, target: TargetPolicy, previous: DecisionConditions, log: Logger)
        async
    {
        let labels = LoopMetrics.labels(target)
        let now = decision.conditions
        metrics.downstreamLimited.set(now.downstreamLimited ? 1 : 0, labels: labels)
        metrics.downstreamBound.set(now.downstreamBound ? 1 : 0, labels: labels)
        metrics.panicking.set(now.panicking ? 1 : 0, labels: labels)
        metrics.scheduledFloor.set(Double(now.scheduledFloor ?? 0), labels: labels)
        if let ceiling = now.budgetCeiling { metrics.budgetCeiling.set(Double(ceiling), labels: labels) }
        if let pods = now.pods {
            let states: [(String, Int)] = [
                ("warm", pods.warm), ("warming", pods.warming.count), ("starting", pods.starting),
                ("terminating", pods.terminating), ("unschedulable", pods.unschedulable.count),
            ]
            for (state, count) in states { metrics.pods.set(Double(count), labels: labels + [state]) }
        }
        update(target) { $0.conditions = now }

        let evidence = now.evidence.joined(separator: "; ")
        var starting: [(EventReason, String)] = []
        if now.downstreamBound && !previous.downstreamBound {
            starting.append((.downstreamBound, "database \(target.database?.name ?? "") is saturated; \(evidence)"))
        }
        if now.downstreamLimited && !previous.downstreamLimited {
            let ceiling = now.budgetCeiling.map(String.init) ?? "?"
            starting.append(
                (
                    .downstreamLimited,
                    "the signals ask for \(decision.wantedReplicas) replicas; the database budget allows \(ceiling); "
                        + evidence
                )
            )
        }
        if now.budgetUnknown && !previous.budgetUnknown {
            starting.append((.downstreamBudgetUnknown, "scale-up stopped: \(evidence)"))
        }
        if now.minimumExceedsShare && !previous.minimumExceedsShare {
            starting.append(
                (
                    .minimumExceedsShare,
                    "minReplicas \(target.minReplicas) needs more connections than this target's share of database "
                        + "\(target.database?.name ?? ""); \(evidence)"
                )
            )
        }
        if now.panicking && !previous.panicking {
            starting.append((.panicMode, "panic mode started: \(decision.message)"))
        }
        let stuck = now.pods?.unschedulable ?? []
        if !stuck.isEmpty && stuck != previous.pods?.unschedulable ?? [] {
            starting.append(
                (
                    .podsUnschedulable,
                    "\(stuck.count) pod(s) Pending longer than \(target.coldStart.pendingTimeoutSeconds) s, left out of "
                        + "capacity: " + stuck.joined(separator: ", ")
                )
            )
        }
        for (reason, message) in starting {
            log.warning("condition started", ["reason": .string(reason.rawValue), "message": .string(message)])
            await events.record(TargetEvent(target: target, reason: reason, message: message))
        }
        if previous.downstreamBound && !now.downstreamBound { log.info("the database is no longer saturated") }
        if previous.downstreamLimited && !now.downstreamLimited { log.info("the database budget no longer limits") }
        if previous.panicking && !now.panicking { log.info("panic mode ended") }
    }
}
