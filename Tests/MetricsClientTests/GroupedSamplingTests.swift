import Foundation
import HTTPTransport
import MetricsClient
import Testing

/// The grouped path of `SignalSampler` against a scripted server.
struct GroupedSamplingTests {
    private let time = Date(timeIntervalSince1970: 1_700_000_000)
    private let signal: SignalQuery

    init() throws {
        signal = SignalQuery(
            name: "depth",
            template: try PromQLTemplate("sum by (service) (depth{service=\"{{name}}\"})"),
            labels: ["service": "{{name}}"],
            maxAge: .seconds(60)
        )
    }

    private func targets(_ names: [String], namespace: String = "shop") -> [QueryTarget] {
        names.map { QueryTarget(id: "\(namespace)/\($0)", placeholders: ["namespace": namespace, "name": $0]) }
    }

    /// The value a per-target query for `query` returns: the digit in the service name.
    private static func value(of query: String) -> String {
        String(query.first(where: \.isNumber) ?? "0")
    }

    @Test func ageWithoutLabelsIsQueriedPerTarget() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max by") {
                // The raw series lack the service label, so nothing matches a target.
                return vectorResponse([([:], "1699999990")])
            }
            if query.hasPrefix("max(") {
                return vectorResponse([([:], "1699999990")])
            }
            return vectorResponse([(["service": "s1"], "1"), (["service": "s2"], "2"), (["service": "s3"], "3")])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))

        let outcomes = await sampler.sample(signal, targets: targets(["s1", "s2", "s3"]), at: time)

        #expect(outcomes["shop/s1"] == .value(1, age: .seconds(10)))
        #expect(outcomes["shop/s2"] == .value(2, age: .seconds(10)))
        #expect(outcomes["shop/s3"] == .value(3, age: .seconds(10)))
        // One grouped query, one grouped age query, then one age query per target.
        #expect(http.requests.count == 5)
        #expect(http.queries.filter { $0.hasPrefix("max(") }.count == 3)
    }

    @Test func failedGroupedQueryFallsBack() async throws {
        let failure = try fixture("error-timeout.json")
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.contains("=~") {
                return HTTPResponse(status: 503, body: failure)
            }
            if query.hasPrefix("max(") {
                return vectorResponse([([:], "1699999970")])
            }
            return vectorResponse([(["service": "x"], Self.value(of: query))])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))

        let outcomes = await sampler.sample(signal, targets: targets(["s1", "s2"]), at: time)

        #expect(outcomes == ["shop/s1": .value(1, age: .seconds(30)), "shop/s2": .value(2, age: .seconds(30))])
        // The grouped query and its age query failed, then two targets took two queries each.
        #expect(http.requests.count == 6)
    }

    @Test func sharedLabelValueFallsBack() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max") {
                return vectorResponse([(["service": "s1"], "1699999990")])
            }
            return vectorResponse([(["service": "s1"], "1")])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
        // The same service name in two namespaces: the label map cannot tell them apart.
        let both = targets(["s1"], namespace: "shop") + targets(["s1"], namespace: "blog")

        let outcomes = await sampler.sample(signal, targets: both, at: time)

        #expect(outcomes == ["shop/s1": .value(1, age: .seconds(10)), "blog/s1": .value(1, age: .seconds(10))])
        #expect(http.requests.count == 6)
        #expect(http.queries.filter { $0 == "sum by (service) (depth{service=\"s1\"})" }.count == 2)
    }

    @Test func targetWithoutSeriesIsEmpty() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max") {
                return vectorResponse([(["service": "s1"], "1699999990")])
            }
            return vectorResponse([(["service": "s1"], "4")])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))

        let outcomes = await sampler.sample(signal, targets: targets(["s1", "s2"]), at: time)

        #expect(outcomes == ["shop/s1": .value(4, age: .seconds(10)), "shop/s2": .empty])
        #expect(http.requests.count == 2)
    }

    @Test func seriesWithoutMappedLabelsFallBack() async throws {
        // `sum(...)` without `by` drops the service label: the grouped result is one series
        // that matches no target, so each target must be queried alone, never read as empty.
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max") {
                return vectorResponse([([:], "1699999990")])
            }
            if query.contains("=~") {
                return vectorResponse([([:], "9")])
            }
            return vectorResponse([([:], Self.value(of: query))])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
        let dropping = SignalQuery(
            name: "depth",
            template: try PromQLTemplate("sum(depth{service=\"{{name}}\"})"),
            labels: ["service": "{{name}}"],
            maxAge: .seconds(60)
        )

        let outcomes = await sampler.sample(dropping, targets: targets(["s1", "s2"]), at: time)

        #expect(outcomes == ["shop/s1": .value(1, age: .seconds(10)), "shop/s2": .value(2, age: .seconds(10))])
        // Grouped query and grouped age query, then a query and an age query per target.
        #expect(http.requests.count == 6)
    }

    /// The presets' shape: the template uses `{{namespace}}` and `{{ingress}}`, both keys of
    /// the label map, so two targets share one query.
    @Test func placeholdersThatAreLabelKeysGroup() async throws {
        let http = ScriptedHTTPClient { _ in
            vectorResponse([
                (["namespace": "shop", "ingress": "web"], "1"),
                (["namespace": "blog", "ingress": "web"], "2"),
            ])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
        let signal = SignalQuery(
            name: "rps",
            template: try PromQLTemplate(
                "sum by (namespace, ingress) (rps{namespace=\"{{namespace}}\", ingress=\"{{ingress}}\"})"
            ),
            labels: ["namespace": "{{namespace}}", "ingress": "{{name}}"]
        )
        let targets = [
            QueryTarget(id: "shop/web", placeholders: ["namespace": "shop", "name": "web", "ingress": "web"]),
            QueryTarget(id: "blog/web", placeholders: ["namespace": "blog", "name": "web", "ingress": "web"]),
        ]

        let outcomes = await sampler.sample(signal, targets: targets, at: time)

        #expect(outcomes["shop/web"] == .value(1, age: nil))
        #expect(outcomes["blog/web"] == .value(2, age: nil))
        #expect(http.requests.count == 1)
    }

    /// A template placeholder that the label map does not pin down keeps every target on its
    /// own query, because the widened regex could admit another target's series.
    @Test func unpinnedPlaceholderQueriesPerTarget() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            return vectorResponse([(["service": "s"], Self.value(of: query))])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
        let signal = SignalQuery(
            name: "depth",
            template: try PromQLTemplate("sum by (service) (depth{namespace=\"{{namespace}}\", service=\"{{name}}\"})"),
            labels: ["service": "{{name}}"]
        )

        let outcomes = await sampler.sample(signal, targets: targets(["s1", "s2"]), at: time)

        #expect(outcomes["shop/s1"] == .value(1, age: nil))
        #expect(outcomes["shop/s2"] == .value(2, age: nil))
        #expect(http.queries.count == 2)
        #expect(http.queries.allSatisfy { !$0.contains("=~") })
    }

    /// Age selectors with a placeholder the label map does not pin down are dated per target,
    /// while the value query, whose placeholders are pinned, is still grouped.
    @Test func unpinnedAgeSelectorIsDatedPerTarget() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max by") {
                Issue.record("unexpected grouped age query: \(query)")
            }
            if query.hasPrefix("max(") {
                return vectorResponse([([:], "1699999980")])
            }
            return vectorResponse([(["service": "s1"], "1"), (["service": "s2"], "2")])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
        var dated = signal
        dated.rawSelectors = ["up{namespace=\"{{namespace}}\", service=\"{{name}}\"}"]

        let outcomes = await sampler.sample(dated, targets: targets(["s1", "s2"]), at: time)

        #expect(outcomes["shop/s1"] == .value(1, age: .seconds(20)))
        #expect(outcomes["shop/s2"] == .value(2, age: .seconds(20)))
        // One grouped value query, then one age query per target.
        #expect(http.requests.count == 3)
        #expect(http.queries.filter { $0.hasPrefix("max(") }.count == 2)
    }
}
