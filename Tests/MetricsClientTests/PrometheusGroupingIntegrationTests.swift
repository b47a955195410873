import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

/// Label values that would change a naively templated query, and a grouped query over
/// 1000 targets, against a real Prometheus with backfilled samples.
@Suite(.serialized)
struct PrometheusGroupingIntegrationTests {
    private static let end = 1_700_002_000
    private static var time: Date { Date(timeIntervalSince1970: Double(end)) }

    /// Each hostile name with its value. Decoys that an escaped query must not select carry
    /// values of 90 and more.
    private static let hostile: [(name: String, value: Double)] = [
        ("back\\slash", 1),
        ("new\nline", 2),
        ("q\"} or vector(1) #", 3),
        ("snow\u{2603}man", 4),
        ("a|b", 5),
        ("(.*)", 6),
        ("end$", 7),
    ]

    /// OpenMetrics text: hostile names, their decoys, queues in two namespaces, and 1000
    /// services 30 s before `end`.
    private static func openMetrics() -> String {
        var lines: [String] = []
        for (name, value) in hostile {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            lines.append("fixture_value{name=\"\(escaped)\"} \(Int(value)) \(end - 10)")
        }
        for (index, decoy) in ["backslash", "newline", "q", "a", "b", "x", "end"].enumerated() {
            lines.append("fixture_value{name=\"\(decoy)\"} \(90 + index) \(end - 10)")
        }
        // Two targets' queues, and queue b in namespace ns1, which belongs to no target.
        lines.append("fixture_cross{namespace=\"ns1\",queue=\"a\"} 1 \(end - 10)")
        lines.append("fixture_cross{namespace=\"ns2\",queue=\"b\"} 2 \(end - 10)")
        lines.append("fixture_cross{namespace=\"ns1\",queue=\"b\"} 30 \(end - 10)")
        for index in 0..<1000 {
            lines.append("fixture_many{service=\"\(serviceName(index))\"} \(index) \(end - 30)")
        }
        return lines.joined(separator: "\n") + "\n# EOF\n"
    }

    private static func serviceName(_ index: Int) -> String {
        "checkout-service-instance-" + String(format: "%04d", index)
    }

    private func withPrometheus(_ body: (ScriptedHTTPClient, SignalSampler) async throws -> Void) async throws {
        let server = try PrometheusServer(openMetrics: Self.openMetrics())
        defer { server.stop() }
        let http = ScriptedHTTPClient(wrapping: try CurlHTTPClient())
        let sampler = SignalSampler(client: PrometheusClient(baseURL: server.baseURL, http: http))
        try await body(http, sampler)
    }

    private static func targets(_ names: [String]) -> [QueryTarget] {
        names.map { QueryTarget(id: $0, placeholders: ["namespace": "shop", "name": $0]) }
    }

    /// Per-target, regex and grouped queries each return exactly the hostile name's series.
    @Test func hostileNamesSelectOnlyTheirSeries() async throws {
        try await withPrometheus { http, sampler in
            let equality = SignalQuery(name: "v", template: try PromQLTemplate("fixture_value{name=\"{{name}}\"}"))
            let regex = SignalQuery(name: "v", template: try PromQLTemplate("fixture_value{name=~\"{{name}}\"}"))
            var grouped = equality
            grouped.labels = ["name": "{{name}}"]
            let targets = Self.targets(Self.hostile.map(\.name))
            var expected: [String: SampleOutcome] = [:]
            for (name, value) in Self.hostile {
                expected[name] = .value(value, age: nil)
            }

            let single = await sampler.sample(equality, targets: targets, at: Self.time)
            let matched = await sampler.sample(regex, targets: targets, at: Self.time)
            let requestsBeforeGrouped = http.requests.count
            let together = await sampler.sample(grouped, targets: targets, at: Self.time)

            #expect(single == expected)
            #expect(matched == expected)
            #expect(together == expected)
            // Seven targets alone twice, then one grouped query (no age query without maxAge).
            #expect(requestsBeforeGrouped == 14)
            #expect(http.requests.count == 15)
        }
    }

    /// 1000 targets share one grouped query and one age query, and each gets its value.
    @Test func groupedQueryAnswersThousandTargets() async throws {
        try await withPrometheus { http, sampler in
            let signal = SignalQuery(
                name: "many",
                template: try PromQLTemplate("sum by (service) (fixture_many{service=\"{{name}}\"})"),
                labels: ["service": "{{name}}"],
                maxAge: .seconds(60)
            )
            let targets = Self.targets((0..<1000).map(Self.serviceName))
            let start = ContinuousClock.now

            let outcomes = await sampler.sample(signal, targets: targets, at: Self.time)

            print("grouped query and age query for 1000 targets took \(ContinuousClock.now - start)")
            #expect(http.requests.count == 2)
            let wrong = (0..<1000).filter { outcomes[Self.serviceName($0)] != .value(Double($0), age: .seconds(30)) }
            #expect(wrong.isEmpty, "targets without their value: \(wrong.prefix(5))")
        }
    }

    /// A template filters on `{{namespace}}`, but its label map has only the queue. The
    /// grouped query must give each target what its own query gives. It must not add the
    /// series of queue b in namespace ns1, which the widened namespace regex also selects.
    @Test func groupedQueryKeepsUnmappedPlaceholderApart() async throws {
        try await withPrometheus { _, sampler in
            let signal = SignalQuery(
                name: "depth",
                template: try PromQLTemplate(
                    "sum by (queue) (fixture_cross{namespace=\"{{namespace}}\", queue=\"{{name}}\"})"
                ),
                labels: ["queue": "{{name}}"]
            )
            let targets = [
                QueryTarget(id: "ns1/a", placeholders: ["namespace": "ns1", "name": "a"]),
                QueryTarget(id: "ns2/b", placeholders: ["namespace": "ns2", "name": "b"]),
            ]

            let outcomes = await sampler.sample(signal, targets: targets, at: Self.time)

            // Alone, each query selects one series: ns1/a = 1 and ns2/b = 2.
            #expect(outcomes["ns1/a"] == .value(1, age: nil))
            #expect(outcomes["ns2/b"] == .value(2, age: nil))
        }
    }
}
