import Foundation
import TestSupport
import Testing

/// The dashboard's variable and panel queries against a real Prometheus holding samples of a
/// leader (h1) and a standby (h2) with two targets, `cms/api` and `shop/web`.
@Suite struct DashboardQueryTests {
    static let evaluationTime = AlertQueryTests.evaluationTime
    /// The `target` variable's value for `cms/api`: the label matchers of that target.
    static let apiMatchers = #"name="api",namespace="cms""#

    static func startPrometheus() throws -> PrometheusQueries {
        try PrometheusQueries(server: PrometheusServer(openMetrics: try RepositoryFiles.read(AlertQueryTests.samples)))
    }

    /// Grafana shows each element of a `query_result` vector as `name{k="v",…} value time`,
    /// with the labels in the order Prometheus returns them (sorted), then applies the
    /// variable's regex. Its `value` group is what `$target` becomes in queries.
    @Test func targetVariableListsTargets() async throws {
        let prometheus = try Self.startPrometheus()
        defer { prometheus.stop() }
        let target = try #require(try DashboardModel().variable("target"))
        let expression = try #require(DashboardModel.variableExpression(target))
        let regexText = try #require(target["regex"] as? String)
        let regex = try NSRegularExpression(pattern: String(regexText.dropFirst().dropLast()))

        let outcome = try await prometheus.query(expression, at: Self.evaluationTime)
        var options: [String: String] = [:]
        for element in outcome.vector {
            let labels = element.labels.keys.sorted().map { "\($0)=\"\(element.labels[$0] ?? "")\"" }
            let line = "{\(labels.joined(separator: ","))} \(element.value) \(Int(Self.evaluationTime) * 1000)"
            let range = NSRange(line.startIndex..., in: line)
            let match = try #require(regex.firstMatch(in: line, range: range), "regex does not match \(line)")
            let text = try #require(Range(match.range(withName: "text"), in: line))
            let value = try #require(Range(match.range(withName: "value"), in: line))
            options[String(line[text])] = String(line[value])
        }

        #expect(outcome.status == "success", "\(outcome.error ?? "")")
        #expect(options == ["cms/api": Self.apiMatchers, "shop/web": #"name="web",namespace="shop""#])
    }

    @Test func everyPanelQueryRuns() async throws {
        let prometheus = try Self.startPrometheus()
        defer { prometheus.stop() }
        let dashboard = try DashboardModel()
        let values = ["target": Self.apiMatchers, "namespace": "cms"]

        let namespaceVariable = try #require(dashboard.variable("namespace"))
        let namespaceQuery = DashboardModel.substitute(
            try #require(DashboardModel.variableExpression(namespaceVariable)),
            values: values
        )
        let namespaces = try await prometheus.query(namespaceQuery, at: Self.evaluationTime)
        #expect(namespaces.status == "success", "\(namespaces.error ?? "")")
        #expect(Set(namespaces.vector.compactMap { $0.labels["namespace"] }) == ["cms"])

        for query in dashboard.queries {
            let expression = DashboardModel.substitute(query.expression, values: values)
            #expect(!expression.contains("$"), "\(query.panel): a variable is left in \(expression)")
            let outcome = try await prometheus.query(expression, at: Self.evaluationTime)
            #expect(outcome.status == "success", "\(query.panel) (\(query.legend)): \(outcome.error ?? "")")
        }
    }

    /// The samples give cms/api 3 replicas on the leader h1 and 2 on the standby h2; the
    /// panel shows the leader's view, so 3.
    @Test func replicasPanelShowsLeaderView() async throws {
        let prometheus = try Self.startPrometheus()
        defer { prometheus.stop() }
        let query = try #require(
            try DashboardModel().queries.first { $0.panel == "Replicas" && $0.legend == "current" }
        )

        let expression = DashboardModel.substitute(query.expression, values: ["target": Self.apiMatchers])
        let outcome = try await prometheus.query(expression, at: Self.evaluationTime)

        #expect(outcome.status == "success", "\(outcome.error ?? "")")
        #expect(outcome.vector.count == 1)
        #expect(outcome.vector.first?.value == "3")
    }
}
