import Foundation
import Testing

@testable import FleetModel

/// Checks of the reference simulation against closed forms. Each queueing check runs five
/// independent replications and compares their grand mean with the formula. The tolerance is
/// a fixed fraction of the formula's value, and each test also asserts that the replications'
/// standard error is under half of it, so the stated run length still backs the tolerance.
@Suite struct ReferenceSimulationTests {
    /// One warm pod whose only queue is the event loop: no admission limit, no timeout, no
    /// database time, so the event-loop wait is a textbook queue's waiting time.
    private static func singleQueueFleet(servers: Int, serviceTime: Double, exponential: Bool) -> FleetParameters {
        var fleet = FleetParameters.directusPgBouncer
        fleet.workersPerPod = servers
        fleet.cpuTimePerRequest = serviceTime
        fleet.cpuTimeVariability = exponential ? 1 : 0
        fleet.databaseTimePerRequest = 0
        fleet.admission = AdmissionParameters(queueLimit: Int.max, requestTimeout: .infinity)
        return fleet
    }

    /// Mean event-loop wait over five seeds and the standard error of that mean.
    private static func replicatedWait(fleet: FleetParameters, rate: Double, duration: Double) -> (Double, Double) {
        let waits = (1...5).map { seed in
            ReferenceSimulation.run(
                parameters: fleet,
                load: SteadyLoad(requestsPerSecond: rate, duration: duration),
                pods: 1,
                cold: false,
                duration: duration,
                seed: UInt64(seed)
            ).meanEventLoopWait
        }
        let mean = waits.reduce(0, +) / 5
        let variance = waits.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
        return (mean, (variance / 5).squareRoot())
    }

    /// Erlang C: the probability that an arrival waits in M/M/c with offered load a = λ/μ.
    private static func erlangC(servers: Int, offeredLoad: Double) -> Double {
        let utilization = offeredLoad / Double(servers)
        var term = 1.0
        var sum = 0.0
        for k in 0..<servers {
            if k > 0 { term *= offeredLoad / Double(k) }
            sum += term
        }
        let last = term * offeredLoad / Double(servers) / (1 - utilization)
        return last / (sum + last)
    }

    /// M/D/1, Pollaczek–Khinchine: Wq = ρ D / (2 (1 − ρ)), D = 20 ms.
    ///
    /// Run lengths and tolerances: five replications of 300 s at ρ = 0.6 (9,000 requests each)
    /// and of 600 s at ρ = 0.8 (24,000 each, about 330 relaxation times 1 / (μ (1 − √ρ)²)).
    /// Their spread put the standard error of the grand mean near 1.2 % and 2.1 % of Wq (seeds
    /// 1 to 5), so the tolerances of 6 % and 10 % are about five standard errors.
    @Test(arguments: [(0.6, 300.0, 0.06), (0.8, 600.0, 0.10)])
    func deterministicServiceMatchesPollaczekKhinchine(utilization: Double, duration: Double, tolerance: Double) {
        let service = 0.020
        let fleet = Self.singleQueueFleet(servers: 1, serviceTime: service, exponential: false)
        let expected = utilization * service / (2 * (1 - utilization))
        let (mean, standardError) = Self.replicatedWait(fleet: fleet, rate: utilization / service, duration: duration)

        #expect(abs(mean - expected) < tolerance * expected, "DES \(mean) s vs P–K \(expected) s")
        #expect(standardError < tolerance * expected / 2)
    }

    /// M/M/c, Erlang C: Wq = C(c, a) / (c μ − λ), exponential service of mean 20 ms.
    ///
    /// Run lengths and tolerances: five replications of 600 s for c = 1, ρ = 0.7 (21,000
    /// requests each), 300 s for c = 4, ρ = 0.8 (48,000) and 150 s for c = 10, ρ = 0.9 (67,500).
    /// Their spread put the standard error of the grand mean near 2.2 %, 2.9 % and 4.5 % of Wq
    /// (seeds 1 to 5). The tolerances of 10 %, 10 % and 15 % are therefore three to four and a
    /// half standard errors.
    @Test(arguments: [(1, 0.7, 600.0, 0.10), (4, 0.8, 300.0, 0.10), (10, 0.9, 150.0, 0.15)])
    func exponentialServiceMatchesErlangC(servers: Int, utilization: Double, duration: Double, tolerance: Double) {
        let service = 0.020
        let fleet = Self.singleQueueFleet(servers: servers, serviceTime: service, exponential: true)
        let rate = utilization * Double(servers) / service
        let expected =
            Self.erlangC(servers: servers, offeredLoad: rate * service) / (Double(servers) / service - rate)
        let (mean, standardError) = Self.replicatedWait(fleet: fleet, rate: rate, duration: duration)

        #expect(abs(mean - expected) < tolerance * expected, "DES \(mean) s vs Erlang C \(expected) s")
        #expect(standardError < tolerance * expected / 2)
    }

    @Test func erlangCWithOneServerIsUtilization() {
        // With one server an arrival waits exactly when the server is busy: probability ρ.
        #expect(abs(Self.erlangC(servers: 1, offeredLoad: 0.7) - 0.7) < 1e-12)
    }

    /// Direct fleet, 12 warm pods whose pools want their maximum of 10 at once (minimum raised
    /// to 10): 120 opens for 100 − 3 = 97 slots. Pods open in index order, so pods 0–8 have 10,
    /// pod 9 has 7 and pods 10 and 11 have none: 23 opens are refused at second 0. At 6
    /// requests/s and 10 ms per query pod 9 never needs an eighth connection, while every
    /// request routed to pod 10 or 11 finds no connection, is refused once more, waits the
    /// 10 s acquire timeout and ends with HTTP 503.
    @Test func directFleetRefusalsCountedByHand() {
        var fleet = FleetParameters.directusDirect
        fleet.pool.minimum = 10
        let result = ReferenceSimulation.run(
            parameters: fleet,
            load: SteadyLoad(requestsPerSecond: 6, duration: 30),
            pods: 12,
            cold: false,
            duration: 30,
            seed: 7
        )
        let stranded = result.podArrivals[10] + result.podArrivals[11]

        #expect(stranded > 0)
        #expect(result.refusedConnections == 23 + stranded)
        #expect(result.unavailableAcquireTimeout == stranded)
        #expect(result.ok == result.arrivals - stranded)
        #expect(result.timedOut == 0)
    }

    /// Direct fleet at the scored pool (2 to 10 per pod) with queries of 1,000 s: every
    /// connection is held for the whole run, so exactly 97 requests get one and succeed. Every
    /// other request waits 10 s for a connection and gets HTTP 503.
    @Test func directFleetSlotsCapSuccesses() {
        var fleet = FleetParameters.directusDirect
        fleet.databaseTimePerRequest = 1_000
        let result = ReferenceSimulation.run(
            parameters: fleet,
            load: SteadyLoad(requestsPerSecond: 100, duration: 5),
            pods: 12,
            cold: false,
            duration: 5,
            seed: 3
        )

        #expect(result.ok == 97)
        #expect(result.unavailableAcquireTimeout == result.arrivals - 97)
        #expect(result.refusedConnections > 0)
        #expect(result.refusedConnections <= result.arrivals - 97)
    }

    /// One pod, 5 ms of CPU, 1,000 requests/s: 5 per 5 ms arrive while 1 is served, so the
    /// event-loop queue fills to `queueLimit` and arrivals are rejected at once with latency 0.
    @Test func admissionLimitRejectsAtOnce() {
        var fleet = FleetParameters.directusPgBouncer
        fleet.cpuTimePerRequest = 0.005
        fleet.databaseTimePerRequest = 0
        fleet.admission = AdmissionParameters(queueLimit: 10, requestTimeout: 30)
        let result = ReferenceSimulation.run(
            parameters: fleet,
            load: SteadyLoad(requestsPerSecond: 1_000, duration: 10),
            pods: 1,
            cold: false,
            duration: 10,
            seed: 11
        )
        // The pod serves at most 200/s for 10 s, plus the 10 queued when arrivals stop.
        #expect(result.ok <= 2_000 + 11)
        #expect(result.ok >= 1_990)
        #expect(result.unavailableQueueFull == result.arrivals - result.ok)
        #expect(result.unavailablePerSecond.reduce(0, +) == result.unavailable)
        #expect(result.arrivalsPerSecond.reduce(0, +) == result.arrivals)
    }

    @Test func noPodsRejectsEveryArrival() {
        let result = ReferenceSimulation.run(
            parameters: .directusPgBouncer,
            load: SteadyLoad(requestsPerSecond: 20, duration: 10),
            pods: 0,
            cold: false,
            duration: 10,
            seed: 5
        )
        #expect(result.arrivals > 0)
        #expect(result.unavailableNoReadyPod == result.arrivals)
        #expect(result.meanLatency == 0)
        #expect(result.p99Latency == 0)
    }
}
