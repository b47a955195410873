import Foundation
import HTTPTransport
import MetricsClient
import Testing

/// Per-pod signals (`SignalQuery.podLabel`) against a scripted server: the age queries'
/// text, and the cases a real Prometheus does not easily produce.
struct PerPodSamplingTests {
    /// 1_700_000_000: the evaluation time of every query here.
    private let time = Date(timeIntervalSince1970: 1_700_000_000)

    private func signal(_ template: String, labels: [String: String] = [:], podLabel: String = "pod") throws
        -> SignalQuery
    {
        SignalQuery(
            name: "busy",
            template: try PromQLTemplate(template),
            labels: labels,
            maxAge: .seconds(60),
            podLabel: podLabel
        )
    }

    private func target(_ namespace: String) -> QueryTarget {
        QueryTarget(id: namespace, placeholders: ["namespace": namespace, "name": "api"])
    }

    private func sampler(_ http: ScriptedHTTPClient) -> SignalSampler {
        SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
    }

    @Test func ageQueriesKeepThePodLabel() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max by") {
                return vectorResponse([(["namespace": "shop", "pod": "a"], "1699999990")])
            }
            return vectorResponse([(["namespace": "shop", "pod": "a"], "1")])
        }
        let grouped = try signal(
            "sum by (namespace, pod) (busy{namespace=\"{{namespace}}\"})",
            labels: ["namespace": "{{namespace}}"]
        )

        _ = await sampler(http).sample(grouped, targets: [target("shop")], at: time)
        _ = await sampler(http).sample(grouped, targets: [target("shop"), target("blog")], at: time)

        // A grouped query sends its value and age queries at once, so their order varies.
        #expect(http.queries.count == 4)
        #expect(
            Set(http.queries) == [
                "sum by (namespace, pod) (busy{namespace=\"shop\"})",
                "max by (pod) (timestamp(busy{namespace=\"shop\"}))",
                "sum by (namespace, pod) (busy{namespace=~\"(?:blog|shop)\"})",
                "max by (namespace, pod) (timestamp(busy{namespace=~\"(?:blog|shop)\"}))",
            ]
        )
    }

    /// Two series of one pod (a query that keeps `method`) make that pod ambiguous; the
    /// other pod still gets its value.
    @Test func podWithTwoSeriesIsAmbiguous() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max by") {
                return vectorResponse([(["pod": "a"], "1699999990"), (["pod": "b"], "1699999980")])
            }
            return vectorResponse([
                (["pod": "a", "method": "GET"], "1"), (["pod": "a", "method": "POST"], "2"), (["pod": "b"], "3"),
            ])
        }

        let outcomes = await sampler(http).sample(
            try signal("busy{namespace=\"{{namespace}}\"}"),
            targets: [target("shop")],
            at: time
        )

        #expect(outcomes["shop"] == .perPod(["a": .ambiguous(seriesCount: 2), "b": .value(3, age: .seconds(20))]))
    }

    /// A query that adds the pod label with `label_replace` has raw series without it: each
    /// pod is dated by them. A pod missing from an age result that has per-pod series is
    /// absent: older than the lookback delta.
    @Test func podsWithoutTheirOwnAgeSeries() async throws {
        let unlabeled = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max by") {
                return vectorResponse([([:], "1699999970")])
            }
            return vectorResponse([(["pod": "a"], "1"), (["pod": "b"], "2")])
        }
        let partial = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max by") {
                return vectorResponse([(["pod": "a"], "1699999995")])
            }
            return vectorResponse([(["pod": "a"], "1"), (["pod": "b"], "2")])
        }
        let query = try signal("busy{namespace=\"{{namespace}}\"}")

        let dated = await sampler(unlabeled).sample(query, targets: [target("shop")], at: time)
        let missing = await sampler(partial).sample(query, targets: [target("shop")], at: time)

        #expect(dated["shop"] == .perPod(["a": .value(1, age: .seconds(30)), "b": .value(2, age: .seconds(30))]))
        // Pod b's age is at least the 300 s lookback delta, above the 60 s maximum.
        #expect(
            missing["shop"]
                == .perPod([
                    "a": .value(1, age: .seconds(5)), "b": .stale(2, age: .seconds(300), maxAge: .seconds(60)),
                ])
        )
    }

    /// A series without the pod label fails the target, names the series, and sends no age
    /// query; a scalar result has no labels at all.
    @Test func seriesWithoutPodLabelFailsTheTarget() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("scalar") {
                let body = #"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"4"]}}"#
                return HTTPResponse(status: 200, body: Data(body.utf8))
            }
            return vectorResponse([(["pod": "a"], "1"), (["namespace": "shop", "job": "api"], "2")])
        }

        let mixed = await sampler(http).sample(
            try signal("busy{namespace=\"{{namespace}}\"}"),
            targets: [target("shop")],
            at: time
        )
        let scalar = await sampler(http).sample(
            try signal("scalar(busy{namespace=\"{{namespace}}\"})"),
            targets: [target("shop")],
            at: time
        )

        let expected =
            "1 of 2 series have no \"pod\" label, such as {job=\"api\", namespace=\"shop\"}. A per-pod signal "
            + "needs it on every series: keep \"pod\" in the query's by clause and give the scraped pods that "
            + "label by relabelling, or read the signal fleet-wide (scope: fleet)"
        #expect(mixed["shop"] == .failed(reason: expected))
        #expect(
            scalar["shop"]
                == .failed(
                    reason: "1 of 1 series have no \"pod\" label, such as {}. A per-pod signal needs it on every "
                        + "series: keep \"pod\" in the query's by clause and give the scraped pods that label by "
                        + "relabelling, or read the signal fleet-wide (scope: fleet)"
                )
        )
        #expect(http.queries.allSatisfy { !$0.hasPrefix("max") })
    }

    @Test func invalidPodLabelFailsWithoutQuerying() async throws {
        let http = ScriptedHTTPClient { _ in vectorResponse([]) }

        let outcomes = await sampler(http).sample(
            try signal("busy{namespace=\"{{namespace}}\"}", podLabel: "pod-name"),
            targets: [target("shop")],
            at: time
        )

        #expect(
            outcomes["shop"]
                == .failed(
                    reason: "the pod label \"pod-name\" of signal busy is not a valid Prometheus label name: use "
                        + "ASCII letters, digits and underscores, not starting with a digit (such as \"pod\")"
                )
        )
        #expect(http.requests.isEmpty)
    }

    /// In a grouped query whose age result lacks the label map's labels, each target gets
    /// its own age query, which still keeps the pod label.
    @Test func groupedAgeMissingDatesEachTarget() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max by (namespace, pod)") {
                return vectorResponse([(["pod": "a"], "1699999990")])
            }
            if query.hasPrefix("max by (pod)") {
                return vectorResponse([(["pod": "a"], query.contains("shop") ? "1699999990" : "1699999950")])
            }
            return vectorResponse([
                (["namespace": "shop", "pod": "a"], "1"), (["namespace": "blog", "pod": "a"], "2"),
            ])
        }
        let grouped = try signal(
            "sum by (namespace, pod) (busy{namespace=\"{{namespace}}\"})",
            labels: ["namespace": "{{namespace}}"]
        )

        let outcomes = await sampler(http).sample(grouped, targets: [target("shop"), target("blog")], at: time)

        #expect(outcomes["shop"] == .perPod(["a": .value(1, age: .seconds(10))]))
        #expect(outcomes["blog"] == .perPod(["a": .value(2, age: .seconds(50))]))
        #expect(http.queries.filter { $0.hasPrefix("max by (pod)") }.count == 2)
    }
}
