import Foundation

/// One checked property of a run.
public struct InvariantCheck: Codable, Sendable, Equatable {
    public var name: String
    public var passed: Bool
    /// What was measured and the bound, in words.
    public var detail: String
}

/// The properties CI asserts on Headroom's runs. The policy comparison is the report's, not
/// these checks'.
public enum Invariants {
    /// The seconds within which `spec.replicas` must be back at `minReplicas` once the signals
    /// stopped asking for more (`headroom_target_bounded_replicas` fell to the minimum): the
    /// scale-down window and three cycles.
    public static func returnBound(_ scenario: Scenario) -> Double {
        Double(scenario.policy.scaleDownWindowSeconds + 3 * scenario.stack.intervalSeconds)
    }

    /// When the signals last stopped asking for more than the floor before `before`: the first
    /// sample at the floor after the last one above it.
    public static func signalsFell(_ result: RunResult, before: Double) -> Double? {
        let floor = Double(result.scenario.stack.minReplicas)
        let samples = (result.series["boundedReplicas"] ?? []).filter { $0.time <= before }
        guard let lastAbove = samples.lastIndex(where: { $0.value > floor }) else { return nil }
        return samples.dropFirst(lastAbove + 1).first?.time
    }

    /// Seconds since the run's start at which the scheduled load last exceeded what the floor
    /// serves at Headroom's per-replica target (70 % of a warm process).
    public static func crowdEnd(_ result: RunResult, load: [LoadSecond]) -> Double? {
        let floorServes = Double(result.scenario.stack.minReplicas) * result.scenario.stack.capacityPerReplica * 0.7
        guard let last = load.last(where: { Double($0.scheduled) > floorServes }) else { return nil }
        return result.loadStart + Double(last.second + 1)
    }

    public static func check(_ result: RunResult, load: [LoadSecond]) -> [InvariantCheck] {
        let scenario = result.scenario
        var checks: [InvariantCheck] = []
        let ratio = result.load.achievedRatio
        checks.append(
            InvariantCheck(
                name: "achieved load rate",
                passed: result.load.valid && ratio >= 0.95,
                detail: String(
                    format: "%.1f %% of %d scheduled requests sent on time (at least 95 %%)",
                    ratio * 100,
                    result.load.scheduled
                )
            )
        )
        let budget = scenario.budgetReplicas
        let highest = result.writes.map(\.replicas).max() ?? scenario.stack.minReplicas
        checks.append(
            InvariantCheck(
                name: "no write above the budget",
                passed: highest <= budget,
                detail: "highest spec.replicas written \(highest); budget \(scenario.budgetConnections) connections ÷ "
                    + "pool \(scenario.stack.poolMax) = \(budget) replicas"
            )
        )
        checks.append(
            InvariantCheck(
                name: "no refused connection in PostgreSQL's log",
                passed: result.postgres.refusals.isEmpty,
                detail: "\(result.postgres.refusals.count) \"too many clients\" refusals"
            )
        )
        if scenario.name == .flashCrowd {
            let ups = result.writes.filter { $0.time >= result.loadStart && $0.time <= result.loadEnd }
            let rose = ups.contains { $0.replicas > scenario.stack.minReplicas }
            checks.append(
                InvariantCheck(
                    name: "scale-up during the crowd",
                    passed: rose,
                    detail: "writes during the load: \(ups.map(\.replicas))"
                )
            )
            let end = crowdEnd(result, load: load) ?? result.loadStart
            let floorTime = result.timeline.first { $0.time > end && $0.spec == scenario.stack.minReplicas }?.time
            let fell = floorTime.flatMap { signalsFell(result, before: $0) }
            let bound = returnBound(scenario)
            let detail: String
            var passed = false
            if let floorTime, let fell {
                passed = floorTime - fell <= bound
                detail = String(
                    format: "spec.replicas back at %d %.1f s after the signals fell to it (bound: window %d s + 3 "
                        + "cycles = %.0f s), %.1f s after the crowd",
                    scenario.stack.minReplicas,
                    floorTime - fell,
                    scenario.policy.scaleDownWindowSeconds,
                    bound,
                    floorTime - end
                )
            } else if floorTime != nil {
                detail = "headroom_target_bounded_replicas has no drop to the floor in Prometheus"
            } else {
                detail = "spec.replicas never returned to \(scenario.stack.minReplicas)"
            }
            checks.append(
                InvariantCheck(
                    name: "return to the floor",
                    passed: passed,
                    detail: detail
                )
            )
        }
        if scenario.name == .coldStart {
            let most = result.postgres.maxNewConnectionsPerStartupPeriod
            checks.append(
                InvariantCheck(
                    name: "new connections per startup period",
                    passed: most <= scenario.newConnectionBound,
                    detail: "at most \(most) fleet-app connections within \(Int(scenario.stack.startupDelaySeconds)) s "
                        + "(bound maxStartingPods \(scenario.policy.maxStartingPods) × DB_POOL__MAX "
                        + "\(scenario.stack.poolMax) = \(scenario.newConnectionBound))"
                )
            )
        }
        let alive = result.processes.filter { kill(-$0.pid, 0) == 0 }
        checks.append(
            InvariantCheck(
                name: "every process stopped",
                passed: alive.isEmpty,
                detail: alive.isEmpty
                    ? "\(result.processes.count) processes started, none left"
                    : "still running: \(alive.map { "\($0.name) (\($0.pid))" })"
            )
        )
        return checks
    }
}
