import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

/// Runs the client against a real Prometheus 2.42 with backfilled history.
@Suite(.serialized)
struct PrometheusIntegrationTests {
    private let time = BackfillData.evaluationDate

    private func withPrometheus(_ body: (PrometheusServer, ScriptedHTTPClient, SignalSampler) async throws -> Void)
        async throws
    {
        let server = try PrometheusServer(openMetrics: BackfillData.openMetrics())
        defer { server.stop() }
        let http = ScriptedHTTPClient(wrapping: try CurlHTTPClient())
        let sampler = SignalSampler(client: PrometheusClient(baseURL: server.baseURL, http: http))
        try await body(server, http, sampler)
    }

    private func target(_ name: String) -> QueryTarget {
        QueryTarget(id: name, placeholders: ["namespace": "shop", "name": name])
    }

    @Test func rateMatchesHandComputedValue() async throws {
        try await withPrometheus { _, _, sampler in
            let signal = SignalQuery(
                name: "requests",
                template: try PromQLTemplate("sum by (service) (rate(http_requests_total{service=\"{{name}}\"}[5m]))"),
                maxAge: .seconds(60)
            )

            let outcome = try #require(await sampler.sample(signal, targets: [target("api")], at: time)["api"])

            guard case .value(let value, let age) = outcome else {
                Issue.record("expected a value, got \(outcome)")
                return
            }
            #expect(abs(value - 2.0 / 3.0) < 1e-9)
            // The newest counter sample is at the evaluation time itself.
            #expect(age == .zero)
        }
    }

    @Test func histogramQuantileMatchesHandComputedValue() async throws {
        try await withPrometheus { _, _, sampler in
            let signal = SignalQuery(
                name: "latency",
                template: try PromQLTemplate(
                    "histogram_quantile(0.5, sum by (le) (rate(request_duration_seconds_bucket{service=\"{{name}}\"}[5m])))"
                ),
                maxAge: .seconds(60)
            )

            let outcome = try #require(await sampler.sample(signal, targets: [target("api")], at: time)["api"])

            let value = try #require(outcome.finiteValue)
            #expect(abs(value - 0.4) < 1e-9)
        }
    }

    @Test func fourMinuteOldSampleIsStale() async throws {
        try await withPrometheus { server, http, sampler in
            let signal = SignalQuery(
                name: "depth",
                template: try PromQLTemplate("queue_depth{queue=\"{{name}}\"}"),
                maxAge: .seconds(60)
            )

            let outcomes = await sampler.sample(signal, targets: [target("old"), target("fresh")], at: time)

            #expect(outcomes["old"] == .stale(7, age: .seconds(240), maxAge: .seconds(60)))
            #expect(outcomes["fresh"] == .value(3, age: .seconds(10)))
            // The instant query itself stamps the old sample with the evaluation time.
            let raw = try await PrometheusClient(baseURL: server.baseURL, http: http)
                .query("queue_depth{queue=\"old\"}", at: time)
            let expected = InstantSample(
                labels: ["__name__": "queue_depth", "queue": "old"],
                point: SamplePoint(timestamp: BackfillData.evaluationTime, value: 7)
            )
            #expect(raw.data == .vector([expected]))
        }
    }

    @Test func injectedLabelValueSelectsOnlyItsSeries() async throws {
        try await withPrometheus { _, http, sampler in
            let equality = SignalQuery(
                name: "replicas",
                template: try PromQLTemplate("deployment_replicas{name=\"{{name}}\"}"),
                labels: ["name": "{{name}}"]
            )
            let regex = SignalQuery(
                name: "replicas",
                template: try PromQLTemplate("deployment_replicas{name=~\"{{name}}\"}")
            )

            let single = await sampler.sample(equality, targets: [target("a\"}b")], at: time)
            let grouped = await sampler.sample(equality, targets: [target("a\"}b"), target("a.b")], at: time)
            let regexOutcome = await sampler.sample(regex, targets: [target("a.b")], at: time)

            #expect(single == ["a\"}b": .value(1, age: nil)])
            #expect(grouped == ["a\"}b": .value(1, age: nil), "a.b": .value(2, age: nil)])
            #expect(regexOutcome == ["a.b": .value(2, age: nil)])
            // One query alone, one grouped query for both targets, one regex query.
            #expect(
                http.queries == [
                    #"deployment_replicas{name="a\"}b"}"#,
                    #"deployment_replicas{name=~"(?:a\"\\}b|a\\.b)"}"#,
                    #"deployment_replicas{name=~"a\\.b"}"#,
                ]
            )
        }
    }

    @Test func groupedQueryAnswersHundredTargets() async throws {
        try await withPrometheus { _, http, sampler in
            let signal = SignalQuery(
                name: "depth",
                template: try PromQLTemplate("sum by (service) (grouped_depth{service=\"{{name}}\"})"),
                labels: ["service": "{{name}}"],
                maxAge: .seconds(60)
            )
            let targets = (0..<100).map { target("svc-\($0)") }
            let start = ContinuousClock.now

            let outcomes = await sampler.sample(signal, targets: targets, at: time)

            let elapsed = ContinuousClock.now - start
            print("grouped query and age query for 100 targets took \(elapsed)")
            #expect(http.requests.count == 2)
            #expect(http.queries.filter { $0.hasPrefix("max by (service)") }.count == 1)
            for index in 0..<100 {
                #expect(outcomes["svc-\(index)"] == .value(Double(index), age: .seconds(30)))
            }
        }
    }

    @Test func ambiguousTargetFallsBackAlone() async throws {
        try await withPrometheus { _, http, sampler in
            let signal = SignalQuery(
                name: "depth",
                template: try PromQLTemplate("sum by (service, shard) (duplicated_depth{service=\"{{name}}\"})"),
                labels: ["service": "{{name}}"],
                maxAge: .seconds(60)
            )
            let targets = (0..<100).map { target("svc-\($0)") }

            let outcomes = await sampler.sample(signal, targets: targets, at: time)

            #expect(outcomes["svc-7"] == .ambiguous(seriesCount: 2))
            for index in 0..<100 where index != 7 {
                #expect(outcomes["svc-\(index)"] == .value(Double(index), age: .seconds(30)))
            }
            // One grouped query, one grouped age query and one query for svc-7 alone.
            #expect(http.requests.count == 3)
            #expect(http.queries.last == "sum by (service, shard) (duplicated_depth{service=\"svc-7\"})")
        }
    }

    @Test func rangeQueryReturnsMatrix() async throws {
        try await withPrometheus { server, _, _ in
            let client = PrometheusClient(baseURL: server.baseURL, http: try CurlHTTPClient())
            let end = BackfillData.evaluationTime

            let result = try await client.queryRange(
                "queue_depth{queue=\"fresh\"}",
                start: Date(timeIntervalSince1970: end - 20),
                end: Date(timeIntervalSince1970: end),
                step: .seconds(10)
            )

            // The only sample is at end-10, so the steps at end-10 and end see it and the
            // step at end-20 does not.
            let expected = RangeSeries(
                labels: ["__name__": "queue_depth", "queue": "fresh"],
                points: [SamplePoint(timestamp: end - 10, value: 3), SamplePoint(timestamp: end, value: 3)]
            )
            #expect(result.data == .matrix([expected]))
        }
    }

    @Test func parseErrorIsBadData() async throws {
        try await withPrometheus { server, _, _ in
            let client = PrometheusClient(baseURL: server.baseURL, http: try CurlHTTPClient())

            let error = await #expect(throws: MetricsError.self) { try await client.query("sum(rate(x[5m])") }

            guard case .prometheus(.badData, let message, 400)? = error else {
                Issue.record("expected bad_data with HTTP 400, got \(String(describing: error))")
                return
            }
            #expect(message.contains("parse error"))
        }
    }

    @Test func pathPrefixReachesAPI() async throws {
        // Mimir and Cortex serve the API under /prometheus; Prometheus does with this flag.
        let server = try PrometheusServer(extraArguments: ["--web.route-prefix=/prometheus"])
        defer { server.stop() }
        let client = PrometheusClient(baseURL: server.baseURL + "/prometheus/", http: try CurlHTTPClient())

        let result = try await client.query("vector(2)", at: time)

        #expect(
            result.data
                == .vector([
                    InstantSample(labels: [:], point: SamplePoint(timestamp: BackfillData.evaluationTime, value: 2))
                ])
        )
    }

    @Test func liveScrapedSampleIsFresh() async throws {
        let exporter = try LoopbackHTTPServer { _ in
            CannedResponse(
                headers: [("Content-Type", "text/plain; version=0.0.4")],
                body: "live_queue_depth{queue=\"live\"} 5\n"
            )
        }
        defer { exporter.stop() }
        let server = try PrometheusServer(scrapeTargets: ["127.0.0.1:\(exporter.port)"])
        defer { server.stop() }
        let client = PrometheusClient(baseURL: server.baseURL, http: try CurlHTTPClient())
        let sampler = SignalSampler(client: client)
        let signal = SignalQuery(
            name: "depth",
            template: try PromQLTemplate("live_queue_depth{queue=\"{{name}}\"}"),
            maxAge: .seconds(60)
        )

        // Wait (at most 20 s) for the first scrape to land.
        var outcome = SampleOutcome.empty
        let deadline = ContinuousClock.now + .seconds(20)
        while outcome == .empty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            outcome = await sampler.sample(signal, targets: [target("live")], at: Date())["live"] ?? .empty
        }

        guard case .value(let value, let age?) = outcome else {
            Issue.record("expected a fresh value, got \(outcome)")
            return
        }
        #expect(value == 5)
        #expect(age < .seconds(10))
    }
}
