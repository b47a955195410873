import Autoscaler
import Foundation
import Testing

/// Valid policies: defaults, presets, JSON input and the normalized form.
struct PolicyLoaderTests {
    static let minimal = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: cms
            name: directus
            maxReplicas: 12
            signals:
              - preset: ingressNginxP99Latency
                target: 300ms
              - preset: ingressNginx5xxRatio
        """

    /// Every field left out takes the HPA's default or the documented Headroom default.
    @Test func defaultsAreFilledIn() throws {
        let result = try PolicyLoader.load(text: Self.minimal, file: "minimal.yaml")
        #expect(result.problems.isEmpty)
        let target = try #require(result.targets.first)
        #expect(target.kind == .deployment)
        #expect(target.minReplicas == 1)
        #expect(target.mode == .scale)
        #expect(target.behavior.scaleUp.stabilizationWindowSeconds == 0)
        #expect(target.behavior.scaleUp.selectPolicy == .max)
        #expect(
            target.behavior.scaleUp.policies == [
                RatePolicy(type: .percent, value: 100, periodSeconds: 15),
                RatePolicy(type: .pods, value: 4, periodSeconds: 15),
            ]
        )
        #expect(target.behavior.scaleDown.stabilizationWindowSeconds == 300)
        #expect(target.behavior.scaleDown.policies == [RatePolicy(type: .percent, value: 100, periodSeconds: 15)])
        #expect(target.behavior.scaleUp.tolerance == 0.1)
        #expect(target.behavior.scaleDown.tolerance == 0.1)
    }

    /// Presets fill the signal; fields the policy sets replace the preset's.
    @Test func presetFieldsCanBeOverridden() throws {
        let result = try PolicyLoader.load(text: Self.minimal, file: "minimal.yaml")
        let target = try #require(result.targets.first)
        let latency = target.signals[0]
        #expect(latency.name == "ingressNginxP99Latency")
        #expect(latency.rule == .latencyStep)
        #expect(latency.resultUnit == .seconds)
        #expect(latency.threshold == 0.3)
        #expect(latency.labels == ["namespace": "{{namespace}}", "ingress": "{{name}}"])
        #expect(latency.query.contains("nginx_ingress_controller_request_duration_seconds_bucket"))
        #expect(latency.maxStepFactor == 1.5)
        #expect(latency.maxSampleAgeSeconds == 120)
        #expect(latency.recoveryCycles == 3)
        #expect(latency.onEmpty == .noData)

        let errors = target.signals[1]
        #expect(errors.role == .guard)
        #expect(errors.rule == nil)
        #expect(errors.resultUnit == .ratio)
        #expect(errors.threshold == 0.05)
        #expect(errors.onEmpty == .zero)
    }

    /// JSON input goes through the same parser and rules.
    @Test func jsonPolicyLoads() throws {
        let result = try FixtureFile.load("policy.json")
        #expect(result.problems.isEmpty)
        let target = try #require(result.targets.first)
        #expect(target.kind == .statefulSet)
        #expect(target.mode == .observe)
        #expect((target.minReplicas, target.maxReplicas) == (2, 30))
        #expect(target.signals[0].threshold == 25)
        #expect(target.signals[0].labels == ["proxy": "be_{{name}}"])
        #expect(target.signals[1].role == .guard)
        #expect(target.behavior.scaleUp.stabilizationWindowSeconds == 30)
        #expect(target.behavior.scaleUp.selectPolicy == .min)
        #expect(target.behavior.scaleUp.policies == [RatePolicy(type: .pods, value: 2, periodSeconds: 60)])
        #expect(target.behavior.scaleUp.tolerance == 0.1)
        #expect(target.behavior.scaleDown.tolerance == 0.2)
        #expect(target.behavior.scaleDown.stabilizationWindowSeconds == 300)
    }

    /// The normalized form loads back into the same targets.
    @Test(arguments: ["policy.json", "min-zero.yaml", "durations.yaml"])
    func normalizedFormRoundTrips(fixture: String) throws {
        let original = try FixtureFile.load(fixture)
        #expect(!original.targets.isEmpty)
        let text = PolicyRenderer.render(original.targets)
        let reloaded = try PolicyLoader.load(text: text, file: "normalized.yaml")
        #expect(reloaded.problems.isEmpty, "\(reloaded.problems)")
        #expect(reloaded.targets == original.targets)
    }

    /// Every preset loads on its own and uses the metric its exporter publishes.
    @Test(arguments: [
        ("ingressNginxP99Latency", "nginx_ingress_controller_request_duration_seconds_bucket"),
        ("pgbouncerWaitingClients", "pgbouncer_pools_client_waiting_connections"),
        ("bullmqWaitingJobs", "bullmq_job_count"),
        ("haproxyBackendQueue", "haproxy_backend_current_queue"),
        ("ingressNginx5xxRatio", "nginx_ingress_controller_requests"),
        ("haproxy5xxRatio", "haproxy_backend_http_responses_total"),
    ])
    func presetLoads(name: String, metric: String) throws {
        let text = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - {namespace: cms, name: directus, maxReplicas: 5, signals: [{preset: bullmqWaitingJobs, name: base}, \
            {preset: \(name)}]}
            """
        let result = try PolicyLoader.load(text: text, file: "preset.yaml")
        #expect(result.problems.isEmpty, "\(result.problems)")
        let signal = try #require(result.targets.first?.signals.last)
        #expect(signal.preset == name)
        #expect(signal.query.contains(metric))
    }
}
