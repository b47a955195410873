import Foundation

/// One checked property of a run.
public struct InvariantCheck: Codable, Sendable, Equatable {
    public var name: String
    public var passed: Bool
    /// Measured value and bound, in words.
    public var detail: String
}

/// The properties CI asserts on Headroom's runs. The policy comparison is the report's, not
/// these checks'.
public enum Invariants {
    /// Computes the seconds within which `spec.replicas` must be back at `minReplicas` after the
    /// signals stop requesting more, that is after `headroom_target_bounded_replicas` falls to the
    /// minimum. The bound is the scale-down window plus three control-loop intervals.
    public static func returnBound(_ scenario: Scenario) -> Double {
        Double(scenario.policy.scaleDownWindowSeconds + 3 * scenario.stack.intervalSeconds)
    }

    /// Finds when the signals last stopped requesting more than the floor before `before`. The
    /// result is the time of the first sample at the floor after the last sample above it.
    public static func signalsFell(_ result: RunResult, before: Double) -> Double? {
        let floor = Double(result.scenario.stack.minReplicas)
        let samples = (result.series["boundedReplicas"] ?? []).filter { $0.time <= before }
        guard let lastAbove = samples.lastIndex(where: { $0.value > floor }) else { return nil }
        return samples.dropFirst(lastAbove + 1).first?.time
    }

    /// Finds the end of the crowd, in seconds since the run's start: the end of the last load
    /// second whose schedule exceeded what the floor serves at Headroom's per-replica target
    /// (70 % of a warm process).
    public static func crowdEnd(_ result: RunResult, load: [LoadSecond]) -> Double? {
        let floorServes = Double(result.scenario.stack.minReplicas) * result.scenario.stack.capacityPerReplica * 0.7
        guard let last = load.last(where: { Double($0.scheduled) > floorServes }) else { return nil }
        return result.loadStart + Double(last.second + 1)
    }

    /// Checks the invariants that hold for every scenario, then those of `result`'s scenario.
    /// `processes`: whether to look for processes left by the run, which is meaningful only
    /// right after it (a report written later could meet reused pids).
    public static func check(_ result: RunResult, load: [LoadSecond], processes: Bool = true) -> [InvariantCheck] {
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
                detail: "\(result.postgres.refusals.count) refusals for lack of connection slots"
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
            let maxNew = result.postgres.maxNewConnectionsPerStartupPeriod
            checks.append(
                InvariantCheck(
                    name: "new connections per startup period",
                    passed: maxNew <= scenario.newConnectionBound,
                    detail:
                        "at most \(maxNew) fleet-app connections within \(Int(scenario.stack.startupDelaySeconds)) s "
                        + "(bound maxStartingPods \(scenario.policy.maxStartingPods) × DB_POOL__MAX "
                        + "\(scenario.stack.poolMax) = \(scenario.newConnectionBound))"
                )
            )
        }

        guard processes else { return checks }

        // Each recorded pid leads its own process group, so signal 0 to the group finds any member left.
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
