import Foundation
import HTTPTransport
import MetricsClient
import Synchronization
import Testing

/// Odd server responses: non-finite and far-off age timestamps, HTML error pages, NaN in a
/// grouped result, warnings and cancellation.
struct SamplerOddResponseTests {
    private static let time = Date(timeIntervalSince1970: 1_700_000_000)

    private static func target(_ name: String) -> QueryTarget {
        QueryTarget(id: "shop/\(name)", placeholders: ["namespace": "shop", "name": name])
    }

    /// A sampler whose age queries return `ageValue` and whose signal query returns 7.
    private static func sampler(ageValue: String) -> SignalSampler {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max(") {
                return vectorResponse([([:], ageValue)])
            }
            return vectorResponse([(["queue": "q"], "7")])
        }
        return SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
    }

    private static func depthSignal() throws -> SignalQuery {
        SignalQuery(
            name: "depth",
            template: try PromQLTemplate("queue_depth{queue=\"{{name}}\"}"),
            maxAge: .seconds(60)
        )
    }

    /// An age query returning +Inf gives no scrape time for the input, so the sample must
    /// not come back as fresh (age 0).
    @Test func infiniteAgeTimestampIsNotFresh() async throws {
        let sampler = Self.sampler(ageValue: "+Inf")

        let outcome = await sampler.sample(try Self.depthSignal(), targets: [Self.target("emails")], at: Self.time)

        let value = outcome["shop/emails"]
        #expect(value?.finiteValue == nil, "got \(String(describing: value))")
    }

    /// An age query returning -Inf makes the age infinite; converting it to a `Duration`
    /// must not trap the process.
    @Test func negativeInfiniteAgeTimestampDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            let sampler = SamplerOddResponseTests.sampler(ageValue: "-Inf")
            let signal = try SamplerOddResponseTests.depthSignal()
            let targets = [SamplerOddResponseTests.target("emails")]
            let outcome = await sampler.sample(signal, targets: targets, at: SamplerOddResponseTests.time)
            // The value is usable only when its age is known to be within 60 s.
            if outcome["shop/emails"]?.finiteValue != nil { exit(1) }
        }
    }

    /// An age of 1e300 s (a timestamp of -1e300) must not trap either.
    @Test func farPastAgeTimestampDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            let sampler = SamplerOddResponseTests.sampler(ageValue: "-1e300")
            let signal = try SamplerOddResponseTests.depthSignal()
            let targets = [SamplerOddResponseTests.target("emails")]
            let outcome = await sampler.sample(signal, targets: targets, at: SamplerOddResponseTests.time)
            guard case .stale? = outcome["shop/emails"] else { exit(1) }
        }
    }

    /// An age timestamp two hours after the evaluation time is no valid scrape time, so the
    /// sample's age is unknown and the outcome is failed, not fresh.
    @Test func futureAgeTimestampFails() async throws {
        let sampler = Self.sampler(ageValue: "\(1_700_000_000 + 7200)")

        let outcome = await sampler.sample(try Self.depthSignal(), targets: [Self.target("emails")], at: Self.time)

        guard case .failed(let reason)? = outcome["shop/emails"] else {
            Issue.record("expected failed, got \(String(describing: outcome))")
            return
        }
        #expect(reason.contains("1700007200"))
    }

    /// A timestamp 30 s in the future, within the clock skew allowance, reads as age 0.
    @Test func slightlyFutureAgeTimestampIsFresh() async throws {
        let sampler = Self.sampler(ageValue: "\(1_700_000_000 + 30)")

        let outcome = await sampler.sample(try Self.depthSignal(), targets: [Self.target("emails")], at: Self.time)

        #expect(outcome["shop/emails"] == .value(7, age: .zero))
    }

    /// Warnings of a successful response reach the handler with the query that drew them, and
    /// the signal fails for the cycle, because a warned result can be partial.
    @Test func responseWarningsReachHandler() async throws {
        let body = """
            {"status":"success","warnings":["partial response: store b unreachable"],
            "data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"7"]}]}}
            """
        let http = ScriptedHTTPClient { _ in HTTPResponse(status: 200, body: Data(body.utf8)) }
        let received = Mutex<[(query: String, warnings: [String])]>([])
        let sampler = SignalSampler(
            client: PrometheusClient(baseURL: "http://prometheus.test", http: http),
            warningHandler: { query, warnings in received.withLock { $0.append((query, warnings)) } }
        )
        let signal = SignalQuery(name: "depth", template: try PromQLTemplate("queue_depth{queue=\"{{name}}\"}"))

        let outcome = await sampler.sample(signal, targets: [Self.target("emails")], at: Self.time)

        let expected = MetricsError.warned(warnings: ["partial response: store b unreachable"])
        #expect(outcome["shop/emails"] == .failed(reason: "\(expected)"))
        let calls = received.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.query == "queue_depth{queue=\"emails\"}")
        #expect(calls.first?.warnings == ["partial response: store b unreachable"])
    }

    /// A response without warnings does not call the handler.
    @Test func responseWithoutWarningsSkipsHandler() async throws {
        let http = ScriptedHTTPClient { _ in vectorResponse([([:], "7")]) }
        let calls = Mutex(0)
        let sampler = SignalSampler(
            client: PrometheusClient(baseURL: "http://prometheus.test", http: http),
            warningHandler: { _, _ in calls.withLock { $0 += 1 } }
        )
        let signal = SignalQuery(name: "depth", template: try PromQLTemplate("queue_depth{queue=\"{{name}}\"}"))

        let outcome = await sampler.sample(signal, targets: [Self.target("emails")], at: Self.time)

        #expect(outcome["shop/emails"] == .value(7, age: nil))
        #expect(calls.withLock { $0 } == 0)
    }

    /// A proxy's 502 HTML page becomes a failed outcome that names the status and does not
    /// carry the whole page.
    @Test func htmlErrorPageIsFailedAndShort() async throws {
        let page = "<html><body>" + String(repeating: "<p>Bad Gateway</p>", count: 2000) + "</body></html>"
        let http = ScriptedHTTPClient { _ in HTTPResponse(status: 502, body: Data(page.utf8)) }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))

        let outcome = await sampler.sample(try Self.depthSignal(), targets: [Self.target("emails")], at: Self.time)

        guard case .failed(let reason)? = outcome["shop/emails"] else {
            Issue.record("expected failed, got \(String(describing: outcome))")
            return
        }
        #expect(reason.contains("502"))
        // The page is 36,000 characters; a log line should carry only its start.
        #expect(reason.count < 2000)
    }

    /// NaN for one target of a grouped query leaves the other target's value intact.
    @Test func groupedNaNStaysWithItsTarget() async throws {
        let http = ScriptedHTTPClient { request in
            let query = formFields(request)["query"] ?? ""
            if query.hasPrefix("max by") {
                return vectorResponse([(["service": "s1"], "1699999990"), (["service": "s2"], "1699999990")])
            }
            return vectorResponse([(["service": "s1"], "NaN"), (["service": "s2"], "5")])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
        let signal = SignalQuery(
            name: "depth",
            template: try PromQLTemplate("sum by (service) (depth{service=\"{{name}}\"})"),
            labels: ["service": "{{name}}"],
            maxAge: .seconds(60)
        )

        let outcomes = await sampler.sample(signal, targets: [Self.target("s1"), Self.target("s2")], at: Self.time)

        guard case .nonFinite(let value)? = outcomes["shop/s1"] else {
            Issue.record("expected nonFinite for s1, got \(String(describing: outcomes["shop/s1"]))")
            return
        }
        #expect(value.isNaN)
        #expect(outcomes["shop/s2"] == .value(5, age: .seconds(10)))
        #expect(http.requests.count == 2)
    }

    /// Cancelling the sampling task ends it promptly, and no target reads a value.
    @Test func cancellationEndsPromptlyWithoutValues() async throws {
        let http = ScriptedHTTPClient { _ in
            try await Task.sleep(for: .seconds(10))
            return vectorResponse([(["queue": "q"], "7")])
        }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://prometheus.test", http: http))
        let signal = try Self.depthSignal()
        let targets = [Self.target("a"), Self.target("b")]
        let start = ContinuousClock.now

        let task = Task { await sampler.sample(signal, targets: targets, at: Self.time) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let outcomes = await task.value

        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(outcomes.count == 2)
        for (id, outcome) in outcomes {
            guard case .failed = outcome else {
                Issue.record("expected failed for \(id), got \(outcome)")
                continue
            }
        }
    }
}
