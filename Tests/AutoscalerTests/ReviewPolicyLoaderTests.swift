import Autoscaler
import Testing

/// Policies found in review: the unit of a query that divides one metric by another.
struct ReviewPolicyLoaderTests {
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
}
