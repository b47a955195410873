import FleetModel
import Testing

@testable import Simulator

/// A baseline that writes the same replica count every period.
struct FixedReplicas: SimulatedAutoscaler {
    var name = "fixed"
    var period = 15.0
    var replicas: Int
    func decide(_ observation: SimulatedObservation) -> Int? { replicas }
}

/// Scores of short runs on a tiny fleet, against figures worked out by hand.
struct RunScoreTests {
    static func scenario(rate: Double, seconds: Double, minReplicas: Int = 2) -> Scenario {
        Scenario(
            name: "tiny",
            summary: "steady \(rate)/s",
            fleet: .directusPgBouncer,
            load: SteadyLoad(requestsPerSecond: rate, duration: seconds),
            minReplicas: minReplicas,
            maxReplicas: 10,
            startReplicas: 2
        )
    }

    @Test func oneExtraPodOnALightLoad() async {
        let runner = SimulationRunner(scenario: Self.scenario(rate: 10, seconds: 120))
        let run = await runner.runBaseline(FixedReplicas(replicas: 3), seed: 1)
        let scores = run.scores
        // 10/s on pods that each serve 50/s: no queue, no error, p99 far below 500 ms.
        #expect(scores.serverErrors == 0)
        #expect(scores.secondsAboveObjective == 0)
        // One write, 2 → 3, at second 0; later periods write nothing new.
        #expect(scores.scalingActions == 1)
        #expect(scores.peakReplicas == 3)
        // Two Ready pods for 120 s, plus the new pod from the end of its 2 s scheduling delay:
        // it is Pending at the end of tick 1 (second 1) and Starting or Ready at seconds 2…120,
        // 119 ticks. (240 + 119) / 60 replica-minutes.
        #expect(abs(scores.replicaMinutes - 359.0 / 60) < 1e-9)
        #expect(scores.databaseBudgetBreaches == 0)
        // A steady load has no spike.
        #expect(scores.spikeToEnoughReady == nil)
    }

    @Test func noReadyPodGivesAll503() async {
        let scenario = Self.scenario(rate: 40, seconds: 90, minReplicas: 0)
        let runner = SimulationRunner(scenario: scenario)
        let run = await runner.runBaseline(FixedReplicas(replicas: 0), seed: 7)

        // Scaled to 0 before the first tick, both pods leave the endpoints at once, so every
        // arrival finds no Ready pod. The arrivals are the load's own Poisson draws.
        var random = SeededRandom(seed: 7 &+ 0xA11_1E55)
        let arrivals = (0..<90).reduce(0.0) { $0 + Double(scenario.load.drawArrivals(inTick: $1, random: &random)) }
        #expect(arrivals > 0)
        #expect(run.scores.serverErrors == arrivals)
        // Terminating pods are neither Ready nor starting: no replica-minutes.
        #expect(run.scores.replicaMinutes == 0)
        #expect(run.scores.scalingActions == 1)
        // The start count is the peak.
        #expect(run.scores.peakReplicas == 2)
        // A 503 without a pod takes 0 s, so no tick is above the objective.
        #expect(run.scores.secondsAboveObjective == 0)
    }

    @Test func meanOverSeedsAveragesEachScore() {
        let a = RunScores(
            secondsAboveObjective: 10,
            serverErrors: 4,
            replicaMinutes: 30,
            scalingActions: 2,
            spikeToEnoughReady: 60,
            peakReplicas: 5,
            databaseBudgetBreaches: 0
        )
        var b = a
        b.secondsAboveObjective = 20
        b.spikeToEnoughReady = 90
        b.databaseBudgetBreaches = 3
        let mean = RunScores.mean([a, b])
        #expect(mean.secondsAboveObjective == 15)
        #expect(mean.spikeToEnoughReady == 75)
        #expect(mean.databaseBudgetBreaches == 1.5)
        b.spikeToEnoughReady = nil
        #expect(RunScores.mean([a, b]).spikeToEnoughReady == nil)
    }

    @Test func determinismForASeed() async throws {
        let runner = SimulationRunner(scenario: SimulationScenarios.smokeScenario)
        let first = try await runner.runHeadroom(SimulatedLoopTests.target, seed: 3, keepRecords: true)
        let second = try await runner.runHeadroom(SimulatedLoopTests.target, seed: 3, keepRecords: true)
        let other = try await runner.runHeadroom(SimulatedLoopTests.target, seed: 4, keepRecords: true)
        #expect(first.scores == second.scores)
        #expect(first.records == second.records)
        #expect(first.records?.map(\.arrivals) != other.records?.map(\.arrivals))
    }

    @Test func ratiosAgainstHPAAndOracle() {
        #expect(ScoreTable.ratio(30, 60) == "×0.50")
        #expect(ScoreTable.ratio(0, 0) == "×1")
        #expect(ScoreTable.ratio(5, 0) == "×–")
        #expect(ScoreTable.ratio(nil, 10) == "×–")
    }
}

/// The report's table over a scenario run with stand-ins named as the HPA and the oracle.
struct ScoreTableTests {
    @Test func tableShowsRatiosToHPAAndOracle() async throws {
        let simulation = Simulation(
            target: SimulatedLoopTests.target,
            baselines: [
                { _ in FixedReplicas(name: "hpa", replicas: 4) },
                { _ in FixedReplicas(name: "oracle", period: 30, replicas: 6) },
            ],
            seeds: [1, 2]
        )
        let result = try await simulation.run(RunScoreTests.scenario(rate: 10, seconds: 60))
        #expect(result.policies == ["headroom", "hpa", "oracle"])
        #expect(result.runs.count == 6)

        let table = ScoreTable.table(result)
        let rows = table.split(separator: "\n").map(String.init)
        // Header, separator and one row per policy.
        #expect(rows.count == 5)
        let hpa = try #require(rows.first { $0.hasPrefix("| hpa |") })
        // Peak: 4 against the HPA's 4 and the oracle's 6 → ×1.00 and ×0.67; one action each.
        #expect(hpa.contains("| 4.0 (×1.00 hpa, ×0.67 oracle) |"))
        #expect(hpa.contains("| 1.0 (×1.00 hpa, ×1.00 oracle) |"))
        // No 5xx anywhere: 0 against 0 reads ×1.
        #expect(hpa.contains("| 0.0 (×1 hpa, ×1 oracle) |"))
    }
}
