import FleetModel
import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

@testable import Simulator

/// The simulator's `rate()` and `histogram_quantile()` against Prometheus 2.42 itself, on the
/// same samples backfilled with promtool, at evaluation times between scrapes.
@Suite(.serialized)
struct PromQLAgainstPrometheusTests {
    /// Unix second of model second 0.
    static let origin = 1_700_000_000.0

    /// A counter scraped every 15 s that resets to 0 at 150 s and misses the scrapes between
    /// 300 s and 360 s (a gap above 1.1 × the average interval).
    static let counter: [MetricSample] = {
        var samples: [MetricSample] = []
        var value = 40.0
        for second in stride(from: 0.0, through: 480, by: 15) where !(second > 300 && second < 360) {
            value = second == 150 ? 3 : value + 7 + (second / 15).truncatingRemainder(dividingBy: 4)
            samples.append(MetricSample(time: origin + second, value: value))
        }
        return samples
    }()

    /// Histogram buckets as a gauge whose +Inf count is below the 1 s count (not monotone).
    static let brokenBuckets: [(String, Double, Double)] = [
        ("0.1", 0.1, 4), ("0.5", 0.5, 10), ("1", 1, 17), ("+Inf", .infinity, 15),
    ]

    static let evaluationSeconds: [Double] = [52.5, 97.3, 161.2, 203.7, 331.9, 377.25, 452.9, 479.5]

    /// Returns the fleet's series from a short run of the smoke scenario, as the simulator scraped them.
    static func fleetPrometheus() -> VirtualPrometheus {
        let scenario = SimulationScenarios.smokeScenario
        var fleet = Fleet(parameters: scenario.fleet, replicas: 3, cold: true, seed: 4)
        var prometheus = VirtualPrometheus()
        var random = SeededRandom(seed: 9)
        for tick in 0..<480 {
            if tick % 15 == 7 { prometheus.scrape(fleet.snapshot, at: origin + Double(tick)) }
            fleet.advance(arrivals: Double(scenario.load.drawArrivals(inTick: tick, random: &random)))
        }
        return prometheus
    }

    static func openMetrics(_ prometheus: VirtualPrometheus) -> String {
        func format(_ value: Double) -> String { value == .infinity ? "+Inf" : "\(value)" }
        var lines: [String] = []
        for sample in counter {
            lines.append("test_counter \(sample.value) \(sample.time)")
        }
        for (label, _, value) in brokenBuckets {
            lines.append("broken_bucket{le=\"\(label)\"} \(value) \(origin + 470)")
        }
        let labels = "namespace=\"shop\",ingress=\"api\""
        for (code, samples) in prometheus.requests {
            for sample in samples {
                lines.append(
                    "nginx_ingress_controller_requests{\(labels),status=\"\(code)\"} \(sample.value) \(sample.time)"
                )
            }
        }
        for (bound, samples) in prometheus.latency {
            for sample in samples {
                lines.append(
                    "nginx_ingress_controller_request_duration_seconds_bucket{\(labels),le=\"\(format(bound))\"} "
                        + "\(sample.value) \(sample.time)"
                )
            }
        }
        // promtool wants each series' samples together and in time order, which they are.
        return lines.joined(separator: "\n") + "\n# EOF\n"
    }

    private func query(_ client: PrometheusClient, _ text: String, at time: Double) async throws -> Double? {
        let result = try await client.query(text, at: Date(timeIntervalSince1970: time))
        guard case .vector(let samples) = result.data else { return nil }
        #expect(samples.count <= 1)
        return samples.first?.point.value
    }

    /// Checks that both sides agree and returns whether both had a finite value.
    @discardableResult
    private func expectClose(_ ours: Double?, _ theirs: Double?, _ what: String) -> Bool {
        switch (ours, theirs) {
        case (nil, nil):
            return false
        case (let ours?, let theirs?) where ours.isNaN && theirs.isNaN:
            return false
        case (let ours?, let theirs?):
            #expect(abs(ours - theirs) <= 1e-9 * max(1, abs(theirs)), "\(what): ours \(ours), Prometheus \(theirs)")
            return true
        default:
            Issue.record("\(what): ours \(String(describing: ours)), Prometheus \(String(describing: theirs))")
            return false
        }
    }

    @Test func rateQuantileAndRatioMatchPrometheus() async throws {
        let fleet = Self.fleetPrometheus()
        let server = try PrometheusServer(openMetrics: Self.openMetrics(fleet))
        defer { server.stop() }
        let client = PrometheusClient(baseURL: server.baseURL, http: try CurlHTTPClient())
        let selector = "{namespace=\"shop\", ingress=\"api\"}"
        let bucket = "nginx_ingress_controller_request_duration_seconds_bucket"

        var compared = 0
        for second in Self.evaluationSeconds {
            let time = Self.origin + second
            for range in [60.0, 120] {
                let window = "[\(Int(range))s]"
                compared += expectClose(
                    PromQLFunctions.rate(Self.counter, range: range, at: time),
                    try await query(client, "rate(test_counter\(window))", at: time),
                    "rate\(window) at \(second)"
                )
                compared += expectClose(
                    fleet.requestRate(range: range, at: time),
                    try await query(
                        client,
                        "sum(rate(nginx_ingress_controller_requests\(selector)\(window)))",
                        at: time
                    ),
                    "request rate\(window) at \(second)"
                )
                compared += expectClose(
                    fleet.latencyQuantile(0.99, range: range, at: time),
                    try await query(
                        client,
                        "histogram_quantile(0.99, sum by (le) (rate(\(bucket)\(selector)\(window))))",
                        at: time
                    ),
                    "p99\(window) at \(second)"
                )
                compared += expectClose(
                    fleet.serverErrorRatio(range: range, at: time),
                    try await query(
                        client,
                        "sum(rate(nginx_ingress_controller_requests{status=~\"5..\"}\(window))) / "
                            + "clamp_min(sum(rate(nginx_ingress_controller_requests\(window))), 1e-9)",
                        at: time
                    ),
                    "5xx ratio\(window) at \(second)"
                )
            }
        }

        // Every window of the counter contains at least 2 samples (the gap leaves 285 s and 300 s in
        // [271.9, 331.9], 360 s and 375 s in [317.25, 377.25]), and the fleet is scraped from 7 s
        // on with traffic, so at least the counter, request-rate and p99 comparisons of all
        // 8 times × 2 ranges had values on both sides; the 5xx ratio has one only with errors.
        #expect(compared >= 8 * 2 * 3)

        let buckets = Self.brokenBuckets.map { HistogramBucket(upperBound: $0.1, count: $0.2) }
        for q in [0.3, 0.5, 0.95, 1.0] {
            compared += expectClose(
                PromQLFunctions.histogramQuantile(q, buckets),
                try await query(client, "histogram_quantile(\(q), broken_bucket)", at: Self.origin + 475.5),
                "quantile \(q) of non-monotone buckets"
            )
        }
    }
}

/// Counts a comparison that had values on both sides.
private func += (left: inout Int, right: Bool) {
    if right { left += 1 }
}
