import Autoscaler
import MetricsClient
import Testing

/// Loader checks of a signal query: its result unit and templates the Prometheus client
/// rejects.
struct PolicyQueryCheckTests {
    private static func policy(signal: String) -> String {
        """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: cms
            name: directus
            maxReplicas: 10
            signals:
        \(signal)
        """
    }

    /// Memory working set divided by the memory limit is a ratio although its numerator
    /// names `_bytes`. With `resultUnit: ratio` an operator states so, and 80 % is 0.8.
    @Test func bytesOverLimitWithRatioUnitLoads() throws {
        let text = Self.policy(
            signal: """
                      - name: memory
                        query: >-
                          sum(container_memory_working_set_bytes{namespace="{{namespace}}", pod=~"{{name}}-.*"})
                          / sum(kube_pod_container_resource_limits{namespace="{{namespace}}",
                          pod=~"{{name}}-.*", resource="memory"})
                        rule: utilization
                        resultUnit: ratio
                        target: 80%
                """
        )

        let result = try PolicyLoader.load(text: text, file: "memory.yaml")

        #expect(result.problems.map(\.description) == [])
        let signal = try #require(result.targets.first?.signals.first)
        #expect(signal.resultUnit == .ratio)
        #expect(signal.threshold == 0.8)
    }

    /// Metric names that state different units leave the result's unit open, so the loader
    /// requires resultUnit instead of picking one of them.
    @Test func disagreeingMetricUnitsNeedResultUnit() throws {
        let text = Self.policy(
            signal: """
                      - name: wait
                        query: sum(rate(wait_seconds_sum{namespace="{{namespace}}", pod=~"{{name}}-.*"}[2m]))
                          / sum(rate(budget_ms_sum{namespace="{{namespace}}"}[2m]))
                        rule: utilization
                        target: 80%
                """
        )

        let result = try PolicyLoader.load(text: text, file: "mixed.yaml")

        #expect(result.targets.isEmpty)
        let problem = try #require(result.problems.first)
        #expect(result.problems.count == 1)
        #expect(problem.path == "targets[0].signals[0].query")
        #expect((problem.line, problem.column) == (9, 16))
        #expect(problem.message.hasPrefix("the metric names state different units"))
        #expect(problem.message.contains("wait_seconds_sum (seconds)"))
        #expect(problem.message.contains("budget_ms_sum (milliseconds)"))
        #expect(problem.message.contains("add resultUnit"))
    }

    /// The same query with resultUnit stated loads, and the target is read in that unit.
    @Test func disagreeingMetricUnitsWithResultUnitLoad() throws {
        let text = Self.policy(
            signal: """
                      - name: wait
                        query: sum(rate(wait_seconds_sum{namespace="{{namespace}}", pod=~"{{name}}-.*"}[2m]))
                          / sum(rate(budget_ms_sum{namespace="{{namespace}}"}[2m]))
                        resultUnit: percent
                        rule: utilization
                        target: 80%
                """
        )

        let result = try PolicyLoader.load(text: text, file: "mixed.yaml")

        #expect(result.problems.map(\.description) == [])
        let signal = try #require(result.targets.first?.signals.first)
        #expect(signal.resultUnit == .percent)
        #expect(signal.threshold == 80)
    }

    /// A resultUnit of another scale of the metric's own quantity is still a contradiction.
    @Test func resultUnitOfOtherScaleIsRejected() throws {
        let text = Self.policy(
            signal: """
                      - name: p99
                        query: histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[2m])))
                        resultUnit: milliseconds
                        rule: latencyStep
                        target: 250ms
                """
        )

        let result = try PolicyLoader.load(text: text, file: "scale.yaml")

        #expect(result.problems.map(\.path) == ["targets[0].signals[0].resultUnit"])
        #expect(result.problems.first?.message.contains("latency_seconds_bucket") == true)
    }

    /// A template the Prometheus client cannot parse fails every query at run time, so
    /// `headroom check` must reject it at load. The cases: a placeholder outside a string
    /// literal, one in a backtick string (which has no escapes), an unclosed placeholder
    /// and an unclosed string.
    @Test(arguments: [
        #"sum(rate({{name}}_requests_total{namespace="{{namespace}}"}[5m]))"#,
        #"sum(depth{namespace=`{{namespace}}`, queue="{{name}}"})"#,
        #"sum(depth{namespace="{{namespace}", queue="{{name}}"})"#,
        #"sum(depth{namespace="{{namespace}}", queue="{{name}})"#,
    ])
    func unparsableTemplateIsRejected(query: String) throws {
        #expect(throws: MetricsError.self) { try PromQLTemplate(query) }
        let quoted = "'" + query.replacingOccurrences(of: "'", with: "''") + "'"
        let text = Self.policy(
            signal: """
                      - name: depth
                        query: \(quoted)
                        rule: perReplica
                        target: 10
                """
        )

        let result = try PolicyLoader.load(text: text, file: "template.yaml")

        #expect(result.problems.map(\.path) == ["targets[0].signals[0].query"])
        #expect(result.targets.isEmpty)
        // The problem points at the query's value and states the parser's reason after the prefix.
        let problem = try #require(result.problems.first)
        #expect((problem.line, problem.column) == (9, 16))
        #expect(problem.message.hasPrefix("invalid query template: "))
        #expect(problem.message.count > "invalid query template: ".count + 10)
    }
}
