import MetricsClient
import Testing

@testable import Autoscaler

/// How `PrometheusSignalSource` passes a signal's scope to the Prometheus client.
struct SignalSourceScopeTests {
    private static func latency(_ name: String, scope: SignalScope) throws -> SignalPolicy {
        SignalPolicy(
            name: name,
            query:
                "histogram_quantile(0.99, sum by (le, namespace, pod) (rate(x_bucket{namespace=\"{{namespace}}\"}[2m])))",
            labels: ["namespace": "{{namespace}}"],
            target: try SignalTarget.parse("500ms"),
            rule: .latencyStep,
            scope: scope
        )
    }

    /// The same query read per pod and fleet-wide comes back in two shapes, so it takes two batches.
    @Test func scopeSeparatesBatches() throws {
        let api = TargetPolicy(
            namespace: "shop",
            name: "api",
            maxReplicas: 10,
            signals: [try Self.latency("perPod", scope: .pod), try Self.latency("fleet", scope: .fleet)]
        )
        let web = TargetPolicy(
            namespace: "blog",
            name: "web",
            maxReplicas: 10,
            signals: [try Self.latency("p", scope: .pod)]
        )

        let batches = PrometheusSignalSource.batches(for: [api, web])

        #expect(batches.count == 2)
        #expect(batches.first?.signalNames == [api.identity: ["perPod"], web.identity: ["p"]])
        #expect(batches.last?.signalNames == [api.identity: ["fleet"]])
        #expect(try batches.first?.query.get().podLabel == "pod")
        #expect(try batches.last?.query.get().podLabel == nil)
    }

    @Test func directusPresetIsReadPerPod() {
        let preset = SignalPreset.directusPodP99Latency

        #expect(preset.scope == .pod)
        #expect(preset.category == .latency)
        #expect(preset.rule == .latencyStep)
        #expect(SignalPreset.named("directusPodP99Latency") != nil)
        // Every other preset reads a proxy, pooler or queue, which cannot be split by pod.
        #expect(SignalPreset.all.filter { $0.scope == .pod }.map(\.name) == ["directusPodP99Latency"])
    }
}
