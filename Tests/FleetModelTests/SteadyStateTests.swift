import Foundation
import Testing

@testable import FleetModel

/// The tick model's steady-state waiting against the M/M/c closed form, computed here from
/// Erlang's formula independently of the model's own queue formulas.
@Suite struct SteadyStateTests {
    /// Erlang C by the textbook sum: P(wait) = (a^c / c!) / (1 − ρ) ÷ (Σ_{k<c} a^k / k! + (a^c / c!) / (1 − ρ)).
    static func erlangCBySum(servers c: Int, load a: Double) -> Double {
        var term = 1.0
        var sum = 0.0
        for k in 0..<c {
            if k > 0 { term *= a / Double(k) }
            sum += term
        }
        let last = term * a / Double(c) / (1 - a / Double(c))
        return last / (sum + last)
    }

    /// One warm pod with `workers` exponential servers and a database fast enough to add nothing.
    static func mmcFleet(workers: Int, serviceTime: Double) -> FleetParameters {
        var fleet = FleetParameters.directusPgBouncer
        fleet.workersPerPod = workers
        fleet.cpuTimePerRequest = serviceTime
        fleet.cpuTimeVariability = 1
        fleet.databaseTimePerRequest = 1e-6
        fleet.pool.maximum = 100
        return fleet
    }

    @Test(arguments: [(1, 0.7), (4, 0.8), (8, 0.9)])
    func waitingMatchesErlangC(workers: Int, utilization: Double) {
        let serviceTime = 0.02
        let rate = utilization * Double(workers) / serviceTime
        var fleet = Fleet(
            parameters: Self.mmcFleet(workers: workers, serviceTime: serviceTime),
            replicas: 1,
            cold: false,
            seed: 1
        )
        var latency = LatencyHistogram()
        for second in 0..<600 {
            let report = fleet.advance(arrivals: rate)
            if second >= 60 { latency.add(report.latency) }
        }
        let modelWait = latency.mean! - serviceTime - 1e-6
        let load = rate * serviceTime
        let expected =
            Self.erlangCBySum(servers: workers, load: load) / (Double(workers) / serviceTime - rate)
        #expect(abs(modelWait - expected) / expected < 0.05, "model \(modelWait) s, Erlang C \(expected) s")
    }
}
