import Autoscaler
import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

/// The `directusPodP99Latency` preset read through `PrometheusSignalSource` from a real
/// Prometheus, with counters backfilled so that each pod's p99 can be worked out by hand.
///
/// Every bucket counter starts at 0 at `end` - 105 and grows by a fixed step every 15 s up to
/// `end`. So `rate(...[2m])` at `end` extrapolates no bucket, because Prometheus does not extend
/// a counter before the point where it would reach 0, and the last sample is on the evaluation
/// time. Each bucket's rate is then 7 steps / 120 s, and the quantile depends only on the steps.
@Suite(.serialized)
struct DirectusPodPresetPrometheusTests {
    private static let end = 1_700_004_000
    private static let bounds = ["0.1", "0.25", "0.5", "1", "2.5", "+Inf"]

    /// Cumulative bucket steps per 15 s for each (namespace, pod, method) series.
    private static let series: [(namespace: String, pod: String, method: String, steps: [Int])] = [
        ("cms", "directus-a", "GET", [40, 70, 90, 96, 100, 100]),
        ("cms", "directus-a", "POST", [0, 5, 10, 10, 10, 10]),
        ("cms", "directus-b", "GET", [90, 95, 98, 100, 100, 100]),
        ("cms", "directus-c", "GET", [0, 0, 0, 0, 0, 0]),
        ("blog", "directus-x", "GET", [10, 20, 20, 20, 20, 20]),
    ]

    private static func openMetrics() -> String {
        var lines: [String] = []
        for entry in series {
            for (bound, step) in zip(bounds, entry.steps) {
                let labels =
                    "namespace=\"\(entry.namespace)\",pod=\"\(entry.pod)\",method=\"\(entry.method)\","
                    + "status=\"200\",le=\"\(bound)\""
                for index in 0...7 {
                    lines.append(
                        "directus_request_duration_seconds_bucket{\(labels)} \(step * index) \(end - 105 + 15 * index)"
                    )
                }
            }
        }
        return lines.joined(separator: "\n") + "\n# EOF\n"
    }

    private static func target(_ namespace: String) throws -> TargetPolicy {
        let preset = SignalPreset.directusPodP99Latency
        let signal = SignalPolicy(
            name: "p99",
            preset: preset.name,
            query: preset.query,
            labels: preset.labels,
            target: try SignalTarget.parse(preset.target),
            rule: preset.rule,
            role: preset.role,
            scope: preset.scope,
            category: preset.category
        )
        return TargetPolicy(namespace: namespace, name: "directus", maxReplicas: 10, signals: [signal])
    }

    /// p99 by hand, from the summed steps (rank = 0.99 × total; linear within the bucket):
    /// - directus-a: 40, 75, 100, 106, 110, 110. Rank 108.9 lies in (1, 2.5], which contains
    ///   observations 107 to 110: 1 + 1.5 × (108.9 − 106) / 4 = 2.0875.
    /// - directus-b: 90, 95, 98, 100, 100, 100. Rank 99 lies in (0.5, 1]: 0.5 + 0.5 × (99 − 98) / 2 = 0.75.
    /// - directus-c: no observations, so NaN.
    /// - directus-x (blog): 10, 20, ... Rank 19.8 lies in (0.1, 0.25]: 0.1 + 0.15 × 9.8 / 10 = 0.247.
    @Test func presetReturnsEachPodsP99() async throws {
        let server = try PrometheusServer(openMetrics: Self.openMetrics())
        defer { server.stop() }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: server.baseURL, http: try CurlHTTPClient()))
        let source = PrometheusSignalSource(sampler: sampler)
        let cms = try Self.target("cms")
        let blog = try Self.target("blog")

        let outcomes = await source.outcomes(for: [cms, blog], at: Date(timeIntervalSince1970: Double(Self.end)))

        guard case .perPod(let pods)? = outcomes[cms.identity]?["p99"] else {
            Issue.record("cms: expected per-pod outcomes, got \(String(describing: outcomes[cms.identity]))")
            return
        }
        #expect(pods.keys.sorted() == ["directus-a", "directus-b", "directus-c"])
        expect(pods["directus-a"], near: 2.0875)
        expect(pods["directus-b"], near: 0.75)
        if case .nonFinite(let value)? = pods["directus-c"] {
            #expect(value.isNaN)
        } else {
            Issue.record("directus-c: expected NaN, got \(String(describing: pods["directus-c"]))")
        }
        guard case .perPod(let blogPods)? = outcomes[blog.identity]?["p99"] else {
            Issue.record("blog: expected per-pod outcomes, got \(String(describing: outcomes[blog.identity]))")
            return
        }
        #expect(blogPods.keys.sorted() == ["directus-x"])
        expect(blogPods["directus-x"], near: 0.247)
    }

    /// Expects a value within 1e-9 of `expected` whose newest raw sample is on the evaluation time.
    private func expect(_ outcome: SampleOutcome?, near expected: Double) {
        guard case .value(let value, let age)? = outcome else {
            Issue.record("expected a value near \(expected), got \(String(describing: outcome))")
            return
        }
        #expect(abs(value - expected) < 1e-9, "\(value) is not \(expected)")
        #expect(age == .zero)
    }
}
