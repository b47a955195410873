import Foundation
import Testing

@testable import FleetModel

/// The tick model against the request-by-request reference simulation, which shares no code
/// with it: mean latency, p99 and the 503 count must each agree within 10 % (the 503 count
/// within one request when both are near zero), the reference averaged over seeds 1 to 5.
@Suite struct ModelAgainstReferenceTests {
    struct Figures: CustomStringConvertible {
        var mean: Double
        var p99: Double
        var unavailable: Double
        var description: String {
            String(format: "mean %.1f ms, p99 %.1f ms, 503 %.0f", mean * 1000, p99 * 1000, unavailable)
        }
    }

    /// The reference's figures averaged over seeds 1 to 5.
    static func reference(
        _ parameters: FleetParameters,
        load: any LoadSchedule,
        pods: Int,
        cold: Bool,
        duration: Double
    ) -> Figures {
        let runs = (1...5).map { seed in
            ReferenceSimulation.run(
                parameters: parameters,
                load: load,
                pods: pods,
                cold: cold,
                duration: duration,
                seed: UInt64(seed)
            )
        }
        let count = Double(runs.count)
        return Figures(
            mean: runs.map(\.meanLatency).reduce(0, +) / count,
            p99: runs.map(\.p99Latency).reduce(0, +) / count,
            unavailable: runs.map { Double($0.unavailable) }.reduce(0, +) / count
        )
    }

    /// The tick model fed the expected arrivals of each second; after the load ends it runs on
    /// with no arrivals until its queues are empty, as the reference drains.
    static func model(
        _ parameters: FleetParameters,
        load: any LoadSchedule,
        pods: Int,
        cold: Bool,
        duration: Double
    ) -> Figures {
        var fleet = Fleet(parameters: parameters, replicas: pods, cold: cold, seed: 1)
        var latency = LatencyHistogram()
        var requests = StatusCounts()
        for tick in 0..<Int(duration) {
            let report = fleet.advance(arrivals: load.expectedArrivals(inTick: tick))
            latency.add(report.latency)
            requests = requests + report.requests
        }
        for _ in 0..<120 {
            let report = fleet.advance(arrivals: 0)
            latency.add(report.latency)
            requests = requests + report.requests
        }
        return Figures(mean: latency.mean ?? 0, p99: latency.quantile(0.99) ?? 0, unavailable: requests.unavailable)
    }

    /// Within `tolerance` of the larger value, or within `floor` for counts near zero (the
    /// reference counts whole requests, the model expected ones).
    static func agree(_ model: Double, _ reference: Double, within tolerance: Double = 0.10, floor: Double = 0)
        -> Bool
    {
        abs(model - reference) <= max(floor, tolerance * max(abs(model), abs(reference)))
    }

    static func check(_ model: Figures, _ reference: Figures) {
        #expect(agree(model.mean, reference.mean), "mean: model \(model), reference \(reference)")
        #expect(agree(model.p99, reference.p99), "p99: model \(model), reference \(reference)")
        #expect(
            agree(model.unavailable, reference.unavailable, floor: 1),
            "503: model \(model), reference \(reference)"
        )
    }

    /// The first ten minutes of `flash-sale-30x`: 60 requests/s on 2 pods that start cold.
    @Test func flashSaleFirstTenMinutes() {
        let load = FlashSale.scored.load
        let model = Self.model(.directusPgBouncer, load: load, pods: 2, cold: true, duration: 600)
        let reference = Self.reference(.directusPgBouncer, load: load, pods: 2, cold: true, duration: 600)
        print("flash-sale first 10 min: model \(model); reference \(reference)")
        Self.check(model, reference)
    }

    /// The sale's peak, 1,800 requests/s, on 30 warm pods (1,500/s of capacity): queues fill
    /// to the admission limit and the surplus gets 503.
    @Test func overloadedPeak() {
        let load = SteadyLoad(requestsPerSecond: 1_800, duration: 120)
        let model = Self.model(.directusPgBouncer, load: load, pods: 30, cold: false, duration: 120)
        let reference = Self.reference(.directusPgBouncer, load: load, pods: 30, cold: false, duration: 120)
        print("overloaded peak: model \(model); reference \(reference)")
        Self.check(model, reference)
    }

    /// Held out from calibration: the sale's ramp from 60 to 1,800 requests/s in 60 s, then two
    /// minutes at the peak, onto 38 warm pods (95 % busy at the peak).
    @Test(arguments: [38])
    func rampToPeak(pods: Int) {
        let sale = FlashSale(
            baseRequestsPerSecond: 60,
            peakRequestsPerSecond: 1_800,
            leadIn: 10,
            rampUp: 60,
            hold: 120,
            rampDown: 1,
            tail: 1
        )
        let model = Self.model(.directusPgBouncer, load: sale.load, pods: pods, cold: false, duration: 190)
        let reference = Self.reference(.directusPgBouncer, load: sale.load, pods: pods, cold: false, duration: 190)
        print("ramp to peak on \(pods) pods: model \(model); reference \(reference)")
        Self.check(model, reference)
    }

    /// The peak on 40 warm pods: 90 % busy, the steady state's steepest part.
    @Test func heavilyLoadedPeak() {
        let load = SteadyLoad(requestsPerSecond: 1_800, duration: 120)
        let model = Self.model(.directusPgBouncer, load: load, pods: 40, cold: false, duration: 120)
        let reference = Self.reference(.directusPgBouncer, load: load, pods: 40, cold: false, duration: 120)
        print("heavily loaded peak: model \(model); reference \(reference)")
        Self.check(model, reference)
    }
}
