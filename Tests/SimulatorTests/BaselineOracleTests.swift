import FleetModel
import Foundation
import Testing

@testable import Simulator

@Suite struct BaselineOracleTests {
    /// Estimates the share of M/D/1 waits ≤ `wait` with the Lindley recursion
    /// W' = max(0, W + D − A) over `count` customers, independently of Erlang's formula.
    private func simulatedShareWaitingAtMost(
        _ wait: Double,
        serviceTime: Double,
        arrivalRate: Double,
        count: Int,
        seed: UInt64
    ) -> Double {
        var random = SeededRandom(seed: seed)
        var current = 0.0
        var within = 0
        for _ in 0..<count {
            current = max(0, current + serviceTime - random.nextExponential(mean: 1 / arrivalRate))
            if current <= wait { within += 1 }
        }
        return Double(within) / Double(count)
    }

    @Test func erlangFormulaMatchesHandValues() {
        let queue = MD1Queue(serviceTime: 0.02)
        // ρ = 0.5 (25/s), t = D/2: (1 − ρ) e^{λt} = 0.5 e^{0.25} = 0.6420127.
        #expect(abs(queue.probabilityOfWaitingAtMost(0.01, arrivalRate: 25) - 0.6420127) < 1e-6)
        // t = 1.5 D: 0.5 (e^{0.75} − 0.25 e^{0.25}) = 0.5 (2.1170000 − 0.3210064) = 0.8979968.
        #expect(abs(queue.probabilityOfWaitingAtMost(0.03, arrivalRate: 25) - 0.8979968) < 1e-6)
        // P(W ≤ 0) = P(idle) = 1 − ρ.
        #expect(abs(queue.probabilityOfWaitingAtMost(0, arrivalRate: 40) - 0.2) < 1e-12)
    }

    @Test func erlangFormulaMatchesSimulationNearTheObjective() {
        let queue = MD1Queue(serviceTime: 0.02)
        let formula = queue.probabilityOfWaitingAtMost(0.2, arrivalRate: 45)
        let simulated = simulatedShareWaitingAtMost(0.2, serviceTime: 0.02, arrivalRate: 45, count: 3_000_000, seed: 7)
        // ρ = 0.9 waits are strongly correlated: ±0.005 covers the estimate's noise.
        #expect(abs(formula - simulated) < 0.005)
    }

    @Test func podRateWithNoRoomToWaitIsOnePercentLoad() {
        // Objective = CPU 20 ms + database 10 ms: no wait allowed, so P(W = 0) = 1 − ρ ≥ 0.99,
        // ρ = 0.01 and the rate is 0.01 / 0.02 s = 0.5 requests/s.
        let rate = OracleModel.podRate(fleet: .directusPgBouncer, p99Objective: 0.030)
        #expect(abs(rate - 0.5) < 1e-9)
    }

    @Test func scoredPodRateKeepsP99AtTheObjective() {
        // 500 ms − 20 ms CPU − 10 ms database leaves 470 ms of waiting at p99.
        let rate = OracleModel.podRate(fleet: .directusPgBouncer, p99Objective: 0.5)
        let atRate = simulatedShareWaitingAtMost(0.47, serviceTime: 0.02, arrivalRate: rate, count: 4_000_000, seed: 3)
        #expect(abs(atRate - 0.99) < 0.004)
        // 5 % more load is clearly past the objective.
        let above = simulatedShareWaitingAtMost(
            0.47,
            serviceTime: 0.02,
            arrivalRate: rate * 1.05,
            count: 4_000_000,
            seed: 3
        )
        #expect(above < 0.98)
    }

    @Test func databaseBudgets() {
        // Direct: floor((100 − 3) / 10) = 9. PgBouncer: 1000 / 10 = 100.
        #expect(OracleModel.databaseBudget(.directusDirect) == 9)
        #expect(OracleModel.databaseBudget(.directusPgBouncer) == 100)
        // Scored lifecycle: 2 s scheduling + the 30 s startup cap on 5 s probes = 32 s.
        #expect(OracleModel.leadTime(FleetParameters.directusPgBouncer.lifecycle) == 32)
    }

    @Test func replicasRiseOneStartupTimeBeforeTheStep() {
        var fleet = FleetParameters.directusPgBouncer
        fleet.lifecycle.startup = .fixed(8)
        // Lead: 2 s scheduling + 8 s startup rounded up to the 5 s probe = 12 s.
        let load = PerMinuteLoad(requestsPerSecond: [60, 1_800, 1_800])
        var oracle = OracleModel(load: load, fleet: fleet, p99Objective: 0.5, minReplicas: 2, maxReplicas: 100)
        #expect(oracle.leadTime == 12)
        #expect(oracle.period == 1)

        let before = Int((60 / oracle.podRate).rounded(.up))
        let after = Int((1_800 / oracle.podRate).rounded(.up))
        // The step is at second 60, so the replicas rise at 60 − 12 = 48.
        #expect(oracle.decide(baselineObservation(time: 47, spec: max(2, before), rate: nil)) == nil)
        #expect(oracle.decide(baselineObservation(time: 48, spec: max(2, before), rate: nil)) == after)
        #expect(after > max(2, before))

        var direct = OracleModel(
            load: load,
            fleet: .directusDirect,
            p99Objective: 0.5,
            minReplicas: 2,
            maxReplicas: 100
        )
        // The same step on the direct fleet stops at its 9-pod database budget.
        #expect(direct.decide(baselineObservation(time: 59, spec: 2, rate: nil)) == 9)
    }
}
