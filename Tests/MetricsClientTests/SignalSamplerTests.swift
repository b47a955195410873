import Foundation
import HTTPTransport
import MetricsClient
import Testing

struct SignalSamplerTests {
    private let time = Date(timeIntervalSince1970: 1_700_000_000)

    private func target(_ name: String) -> QueryTarget {
        QueryTarget(id: "shop/\(name)", placeholders: ["namespace": "shop", "name": name])
    }

    /// A sampler whose fake server returns `value` for signal queries and `ageTimestamp`
    /// (or nothing) for age queries.
    private func sampler(value: String, ageTimestamp: Double?) -> (SignalSampler, ScriptedHTTPClient) {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max(") {
                return vectorResponse(ageTimestamp.map { [([:], String($0))] } ?? [])
            }
            return vectorResponse([(["queue": "q"], value)])
        }
        let client = PrometheusClient(baseURL: "http://prometheus.test", http: http)
        return (SignalSampler(client: client), http)
    }

    private func signal(maxAge: Duration? = .seconds(60), allowsNegative: Bool = false) throws -> SignalQuery {
        SignalQuery(
            name: "depth",
            template: try PromQLTemplate("queue_depth{queue=\"{{name}}\"}"),
            maxAge: maxAge,
            allowsNegative: allowsNegative
        )
    }

    @Test(arguments: [
        ("12.5", 1_699_999_990.0, SampleOutcome.value(12.5, age: .seconds(10))),
        ("12.5", 1_699_999_940.0, .value(12.5, age: .seconds(60))),
        ("12.5", 1_699_999_939.0, .stale(12.5, age: .seconds(61), maxAge: .seconds(60))),
        ("-1", 1_699_999_990.0, .negative(-1)),
        ("+Inf", 1_699_999_990.0, .nonFinite(.infinity)),
    ])
    func outcomeOfOneSample(value: String, ageTimestamp: Double, expected: SampleOutcome) async throws {
        let (sampler, http) = sampler(value: value, ageTimestamp: ageTimestamp)

        let outcome = await sampler.sample(try signal(), targets: [target("emails")], at: time)

        #expect(outcome == ["shop/emails": expected])
        #expect(http.queries.first == "queue_depth{queue=\"emails\"}")
    }

    @Test func nanIsNonFinite() async throws {
        let (sampler, _) = sampler(value: "NaN", ageTimestamp: 1_699_999_990)

        let outcome = await sampler.sample(try signal(), targets: [target("emails")], at: time)

        guard case .nonFinite(let value)? = outcome["shop/emails"] else {
            Issue.record("expected nonFinite, got \(String(describing: outcome))")
            return
        }
        #expect(value.isNaN)
    }

    @Test func negativeAllowedWhenSignalSaysSo() async throws {
        let (sampler, _) = sampler(value: "-2", ageTimestamp: 1_699_999_990)

        let outcome = await sampler.sample(try signal(allowsNegative: true), targets: [target("emails")], at: time)

        #expect(outcome == ["shop/emails": .value(-2, age: .seconds(10))])
    }

    @Test func emptyAgeResultIsStaleWithinLookback() async throws {
        let (sampler, _) = sampler(value: "3", ageTimestamp: nil)

        let outcome = await sampler.sample(try signal(), targets: [target("emails")], at: time)

        #expect(outcome == ["shop/emails": .stale(3, age: .seconds(300), maxAge: .seconds(60))])
    }

    @Test func noMaxAgeSkipsAgeQuery() async throws {
        let (sampler, http) = sampler(value: "3", ageTimestamp: nil)

        let outcome = await sampler.sample(try signal(maxAge: nil), targets: [target("emails")], at: time)

        #expect(outcome == ["shop/emails": .value(3, age: nil)])
        #expect(http.requests.count == 1)
    }

    @Test func missingPlaceholderFailsOnlyThatTarget() async throws {
        let (sampler, _) = sampler(value: "3", ageTimestamp: 1_699_999_990)
        let bare = QueryTarget(id: "bare", placeholders: [:])

        let outcome = await sampler.sample(try signal(), targets: [bare, target("emails")], at: time)

        #expect(outcome["bare"] == .failed(reason: "target bare has no value for placeholder {{name}}"))
        #expect(outcome["shop/emails"] == .value(3, age: .seconds(10)))
    }

    @Test func failedQueryIsFailedOutcome() async throws {
        let body = try fixture("error-execution.json")
        let http = ScriptedHTTPClient { _ in HTTPResponse(status: 422, body: body) }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))

        let outcome = await sampler.sample(try signal(), targets: [target("emails")], at: time)

        let expected = MetricsError.prometheus(
            errorType: .execution,
            message: "query processing would load too many samples into memory in query execution",
            status: 422
        )
        #expect(outcome == ["shop/emails": .failed(reason: "\(expected)")])
    }

    @Test func concurrentQueriesAreCapped() async throws {
        let http = ScriptedHTTPClient { _ in
            try await Task.sleep(for: .milliseconds(30))
            return vectorResponse([(["queue": "q"], "1")])
        }
        let sampler = SignalSampler(
            client: PrometheusClient(baseURL: "http://prometheus.test", http: http),
            maxConcurrentQueries: 3
        )
        let targets = (0..<12).map { target("q\($0)") }

        // No label map, so every target gets its own query.
        let outcomes = await sampler.sample(try signal(maxAge: nil), targets: targets, at: time)

        #expect(outcomes.count == 12)
        #expect(outcomes.values.allSatisfy { $0 == .value(1, age: nil) })
        #expect(http.requests.count == 12)
        #expect(http.maxInFlight == 3)
    }

    @Test func batchResultHasEveryTargetAndSignal() async throws {
        let (sampler, _) = sampler(value: "4", ageTimestamp: 1_699_999_990)
        let signals = [
            try signal(),
            SignalQuery(name: "other", template: try PromQLTemplate("other{queue=\"{{name}}\"}"), maxAge: .seconds(60)),
        ]

        let results = await sampler.sample(targets: [target("a"), target("b")], signals: signals, at: time)

        let expected: [String: SampleOutcome] = [
            "depth": .value(4, age: .seconds(10)), "other": .value(4, age: .seconds(10)),
        ]
        #expect(results == ["shop/a": expected, "shop/b": expected])
    }
}
