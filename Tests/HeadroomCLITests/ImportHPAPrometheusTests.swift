import Autoscaler
import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

@testable import HeadroomCLI

/// The CPU and memory queries of an imported HPA, run by a real Prometheus on backfilled
/// cAdvisor and kube-state-metrics series whose utilization is worked out by hand.
///
/// Deployment shop/api has three pods: `api-7d9f8-abcde` and `api-7d9f8-fghij` are ready,
/// `api-7d9f8-klmno` is not. Pod `api-v2-5c6d7-pqrst` belongs to Deployment `api-v2`, and the
/// pod-level (`container=""`) and pause (`container="POD"`) cgroups are not containers; none of
/// these may count.
@Suite struct ImportHPAPrometheusTests {
    private static let end = 1_700_004_000

    /// Each CPU counter starts at 0 at `end` - 105 and grows by `step` every 15 s. So
    /// `rate(...[2m])` at `end` extrapolates nothing (the first sample is 0 and the last is on
    /// the evaluation time) and is 7 × step / 120.
    private static let cpuCounters: [(pod: String, container: String, step: Double)] = [
        ("api-7d9f8-abcde", "app", 6),  // 0.35 cores
        ("api-7d9f8-fghij", "app", 3.6),  // 0.21 cores
        ("api-7d9f8-klmno", "app", 12),  // not ready
        ("api-7d9f8-abcde", "", 60),  // the pod's own cgroup
        ("api-7d9f8-abcde", "POD", 1),  // the pause container
        ("api-v2-5c6d7-pqrst", "app", 12),  // another Deployment
    ]

    private static let workingSet: [(pod: String, container: String, bytes: Int)] = [
        ("api-7d9f8-abcde", "app", 314_572_800),  // 300Mi
        ("api-7d9f8-fghij", "app", 209_715_200),  // 200Mi
        ("api-7d9f8-klmno", "app", 524_288_000),
        ("api-7d9f8-abcde", "", 999_999_999),
        ("api-v2-5c6d7-pqrst", "app", 1_073_741_824),
    ]

    private static let pods = ["api-7d9f8-abcde", "api-7d9f8-fghij", "api-7d9f8-klmno", "api-v2-5c6d7-pqrst"]
    private static let ready: Set<String> = ["api-7d9f8-abcde", "api-7d9f8-fghij", "api-v2-5c6d7-pqrst"]

    private static func openMetrics() -> String {
        var lines: [String] = []
        let times = (0...7).map { end - 105 + 15 * $0 }
        for counter in cpuCounters {
            let labels = #"namespace="shop",pod="\#(counter.pod)",container="\#(counter.container)""#
            for (index, time) in times.enumerated() {
                lines.append("container_cpu_usage_seconds_total{\(labels)} \(counter.step * Double(index)) \(time)")
            }
        }
        for entry in workingSet {
            let labels = #"namespace="shop",pod="\#(entry.pod)",container="\#(entry.container)""#
            for time in times { lines.append("container_memory_working_set_bytes{\(labels)} \(entry.bytes) \(time)") }
        }
        for pod in pods {
            for (resource, unit, value) in [("cpu", "core", "0.5"), ("memory", "byte", "536870912")] {
                let labels =
                    #"namespace="shop",pod="\#(pod)",container="app",resource="\#(resource)",unit="\#(unit)""#
                for time in times { lines.append("kube_pod_container_resource_requests{\(labels)} \(value) \(time)") }
            }
        }
        for pod in pods {
            let isReady = ready.contains(pod)
            for (condition, value) in [("true", isReady ? 1 : 0), ("false", isReady ? 0 : 1)] {
                let labels = #"namespace="shop",pod="\#(pod)",condition="\#(condition)""#
                for time in times { lines.append("kube_pod_status_ready{\(labels)} \(value) \(time)") }
            }
        }
        return lines.joined(separator: "\n") + "\n# EOF\n"
    }

    /// CPU utilization: (0.35 + 0.21) cores over the two ready pods' requests of 0.5 + 0.5
    /// is 0.56. Memory per ready pod: (300Mi + 200Mi) / 2 = 250Mi = 262144000 bytes.
    @Test func queriesComputeHPAValues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.file("policy.yaml")
        let fixture = ImportHPATests.fixture("v2-behavior.yaml")
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(
            ["import-hpa", fixture, "--output", output],
            output: captured.output
        )
        try #require(status == .success)
        let targets = try PolicyLoader.load(path: output).targets

        let server = try PrometheusServer(openMetrics: Self.openMetrics())
        defer { server.stop() }
        let sampler = SignalSampler(client: PrometheusClient(baseURL: server.baseURL, http: try CurlHTTPClient()))
        let source = PrometheusSignalSource(sampler: sampler)
        let outcomes = await source.outcomes(for: targets, at: Date(timeIntervalSince1970: Double(Self.end)))

        let target = try #require(targets.first)
        expect(outcomes[target.identity]?["cpu-utilization"], near: 0.56)
        expect(outcomes[target.identity]?["memory-average"], near: 262_144_000)
    }

    private func expect(_ outcome: SampleOutcome?, near expected: Double) {
        guard case .value(let value, _)? = outcome else {
            Issue.record("expected a value near \(expected), got \(String(describing: outcome))")
            return
        }
        #expect(abs(value - expected) < 1e-9 * max(1, expected), "\(value) is not \(expected)")
    }
}
