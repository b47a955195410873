import Autoscaler
import FleetModel

/// Every run of one scenario: Headroom and each baseline on every seed.
public struct ScenarioResult: Sendable {
    public var scenario: Scenario
    /// Runs in policy order, then seed order.
    public var runs: [PolicyRun]
    /// Policy names in report order: `headroom` first, then the baselines as given.
    public var policies: [String]

    /// Returns the mean scores of `policy` over its seeds.
    public func mean(_ policy: String) -> RunScores? {
        let scores = runs.filter { $0.policy == policy }.map(\.scores)
        return scores.isEmpty ? nil : RunScores.mean(scores)
    }

    /// Returns the timeline of `policy`'s first seed, when records were kept.
    public func firstTimeline(_ policy: String) -> [TimelineRecord]? {
        runs.first { $0.policy == policy && $0.records != nil }?.records
    }
}

/// Runs a policy target and baselines on a scenario over seeds.
public struct Simulation: Sendable {
    public var target: TargetPolicy
    /// The policy's databases, whose queries the virtual Prometheus evaluates.
    public var databases: [DatabasePolicy]
    /// Fresh baseline instances for a scenario, one call per run, so no run shares another's
    /// state.
    public var baselines: [@Sendable (Scenario) -> any SimulatedAutoscaler]
    public var settings: SimulationSettings
    public var seeds: [UInt64]
    /// True to keep the first seed's timeline of each policy, for plots.
    public var keepFirstTimeline: Bool
    public var progress: (@Sendable (String) -> Void)?

    public init(
        target: TargetPolicy,
        databases: [DatabasePolicy] = [],
        baselines: [@Sendable (Scenario) -> any SimulatedAutoscaler] = [],
        settings: SimulationSettings = SimulationSettings(),
        seeds: [UInt64] = Array(1...5),
        keepFirstTimeline: Bool = false,
        progress: (@Sendable (String) -> Void)? = nil
    ) {
        self.target = target
        self.databases = databases
        self.baselines = baselines
        self.settings = settings
        self.seeds = seeds
        self.keepFirstTimeline = keepFirstTimeline
        self.progress = progress
    }

    /// Checks that every signal of the target and every database query is one the simulator
    /// evaluates, before any run.
    public func validate() throws(SimulationError) {
        _ = try SimulatedSignalSource(
            world: SimulationRunner(scenario: SimulationScenarios.smokeScenario).makeWorld(seed: 1),
            targets: [target],
            databases: databases
        )
    }

    public func run(_ scenario: Scenario, duration: Double? = nil) async throws(SimulationError) -> ScenarioResult {
        var runner = SimulationRunner(scenario: scenario, settings: settings, duration: duration)
        runner.progress = progress
        var runs: [PolicyRun] = []
        var policies = ["headroom"]
        for (index, seed) in seeds.enumerated() {
            let keep = keepFirstTimeline && index == 0
            runs.append(try await runner.runHeadroom(target, databases: databases, seed: seed, keepRecords: keep))
        }
        for make in baselines {
            let name = make(scenario).name
            policies.append(name)
            for (index, seed) in seeds.enumerated() {
                let keep = keepFirstTimeline && index == 0
                runs.append(await runner.runBaseline(make(scenario), seed: seed, keepRecords: keep))
            }
        }
        return ScenarioResult(scenario: scenario, runs: runs, policies: policies)
    }
}
