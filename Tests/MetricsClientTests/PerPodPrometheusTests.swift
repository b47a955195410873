import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

/// Per-pod signals against a real Prometheus with backfilled samples: instant queries per
/// target and grouped, series without a pod label, and range queries.
@Suite(.serialized)
struct PerPodPrometheusTests {
    /// The evaluation time (Unix seconds).
    private static let end = 1_700_003_000
    private static var time: Date { Date(timeIntervalSince1970: Double(end)) }

    /// OpenMetrics text. In namespace shop: pod api-a fresh, api-b NaN, api-c four minutes
    /// old. In namespace blog: two fresh pods. `pod_mixed` has one series without a pod
    /// label. `pod_range` has pod api-a every 15 s up to `end` and api-b only up to `end` - 60.
    private static func openMetrics() -> String {
        var lines = [
            "pod_busy{namespace=\"shop\",pod=\"api-a\"} 4 \(end - 10)",
            "pod_busy{namespace=\"shop\",pod=\"api-b\"} NaN \(end - 10)",
            "pod_busy{namespace=\"shop\",pod=\"api-c\"} 6 \(end - 240)",
            "pod_busy{namespace=\"blog\",pod=\"web-a\"} 2 \(end - 20)",
            "pod_busy{namespace=\"blog\",pod=\"web-b\"} 3 \(end - 5)",
            "pod_mixed{namespace=\"shop\",pod=\"api-a\"} 1 \(end - 10)",
            "pod_mixed{namespace=\"shop\",instance=\"10.0.0.7:8055\"} 5 \(end - 10)",
            "pod_mixed{namespace=\"blog\",pod=\"web-a\"} 7 \(end - 10)",
        ]
        // api-a: value k at end - 120 + 15k for k = 0...8; api-b: 10 + k for k = 0...4.
        for step in 0...8 {
            lines.append("pod_range{namespace=\"shop\",pod=\"api-a\"} \(step) \(end - 120 + 15 * step)")
        }
        for step in 0...4 {
            lines.append("pod_range{namespace=\"shop\",pod=\"api-b\"} \(10 + step) \(end - 120 + 15 * step)")
        }
        return lines.joined(separator: "\n") + "\n# EOF\n"
    }

    private func withPrometheus(_ body: (ScriptedHTTPClient, SignalSampler) async throws -> Void) async throws {
        let server = try PrometheusServer(openMetrics: Self.openMetrics())
        defer { server.stop() }
        let http = ScriptedHTTPClient(wrapping: try CurlHTTPClient())
        let sampler = SignalSampler(client: PrometheusClient(baseURL: server.baseURL, http: http))
        try await body(http, sampler)
    }

    private static func signal(_ metric: String, maxAge: Duration = .seconds(60)) throws -> SignalQuery {
        SignalQuery(
            name: metric,
            template: try PromQLTemplate("sum by (namespace, pod) (\(metric){namespace=\"{{namespace}}\"})"),
            labels: ["namespace": "{{namespace}}"],
            maxAge: maxAge,
            podLabel: "pod"
        )
    }

    private static func target(_ namespace: String) -> QueryTarget {
        QueryTarget(id: namespace, placeholders: ["namespace": namespace, "name": "api"])
    }

    /// Checks shop's three pods: a value 10 s old, NaN, and a sample 240 s old against a
    /// 60 s maximum age.
    private static func expectShopPods(_ outcome: SampleOutcome?) {
        guard case .perPod(let pods)? = outcome else {
            Issue.record("expected per-pod outcomes, got \(String(describing: outcome))")
            return
        }
        #expect(pods.keys.sorted() == ["api-a", "api-b", "api-c"])
        #expect(pods["api-a"] == .value(4, age: .seconds(10)))
        if case .nonFinite(let value)? = pods["api-b"] {
            #expect(value.isNaN)
        } else {
            Issue.record("api-b: expected NaN, got \(String(describing: pods["api-b"]))")
        }
        #expect(pods["api-c"] == .stale(6, age: .seconds(240), maxAge: .seconds(60)))
    }

    @Test func threePodsOfOneTarget() async throws {
        try await withPrometheus { http, sampler in
            let outcomes = await sampler.sample(
                try Self.signal("pod_busy"),
                targets: [Self.target("shop")],
                at: Self.time
            )

            Self.expectShopPods(outcomes["shop"])
            // One value query and one age query grouped by pod.
            #expect(http.requests.count == 2)
        }
    }

    /// Two targets share one value query and one age query; a third without series is empty.
    @Test func groupedOverTwoTargets() async throws {
        try await withPrometheus { http, sampler in
            let targets = ["shop", "blog", "idle"].map(Self.target)

            let outcomes = await sampler.sample(try Self.signal("pod_busy"), targets: targets, at: Self.time)

            Self.expectShopPods(outcomes["shop"])
            #expect(
                outcomes["blog"]
                    == .perPod(["web-a": .value(2, age: .seconds(20)), "web-b": .value(3, age: .seconds(5))])
            )
            #expect(outcomes["idle"] == .empty)
            #expect(http.requests.count == 2)
        }
    }

    /// shop's series from 10.0.0.7 has no pod label: shop fails with a reason that names the
    /// series, in the grouped and the per-target path, while blog keeps its pod.
    @Test func seriesWithoutPodLabel() async throws {
        try await withPrometheus { _, sampler in
            let signal = try Self.signal("pod_mixed")

            let grouped = await sampler.sample(
                signal,
                targets: [Self.target("shop"), Self.target("blog")],
                at: Self.time
            )
            let alone = await sampler.sample(signal, targets: [Self.target("shop")], at: Self.time)

            let reason =
                "1 of 2 series have no \"pod\" label, such as {namespace=\"shop\"}. A per-pod signal needs it on "
                + "every series: keep \"pod\" in the query's by clause and give the scraped pods that label by "
                + "relabelling, or read the signal fleet-wide (scope: fleet)"
            #expect(grouped["shop"] == .failed(reason: reason))
            #expect(alone["shop"] == .failed(reason: reason))
            #expect(grouped["blog"] == .perPod(["web-a": .value(7, age: .seconds(10))]))
        }
    }

    /// Range steps at end - 60, end - 30 and end. api-a's newest sample is on each step, with
    /// values 4, 6 and 8. api-b's last sample (14 at end - 60) ages to 30 s and then 60 s,
    /// over the 20 s maximum.
    @Test func rangeStepsAreSplitByPod() async throws {
        try await withPrometheus { _, sampler in
            let grid = RangeGrid(startMilliseconds: Int64(Self.end - 60) * 1000, stepMilliseconds: 30_000, count: 3)

            let steps = await sampler.sampleRange(
                try Self.signal("pod_range", maxAge: .seconds(20)),
                target: Self.target("shop"),
                over: grid
            )

            #expect(
                steps == [
                    .perPod(["api-a": .value(4, age: .zero), "api-b": .value(14, age: .zero)]),
                    .perPod([
                        "api-a": .value(6, age: .zero), "api-b": .stale(14, age: .seconds(30), maxAge: .seconds(20)),
                    ]),
                    .perPod([
                        "api-a": .value(8, age: .zero), "api-b": .stale(14, age: .seconds(60), maxAge: .seconds(20)),
                    ]),
                ]
            )
        }
    }
}
