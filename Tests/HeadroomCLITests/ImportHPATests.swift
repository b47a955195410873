import Autoscaler
import Foundation
import TestSupport
import Testing

@testable import HeadroomCLI

/// `headroom import-hpa`, run in-process on the HPA fixtures. Each expected policy in
/// ImportHPAFixtures was written by hand from its HPA, and the imported policy must load into
/// the same targets and pass `headroom check`.
@Suite struct ImportHPATests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("ImportHPAFixtures")

    static func fixture(_ name: String) -> String {
        fixtures.appendingPathComponent(name).path
    }

    struct Run {
        let status: ExitCode
        let stdout: String
        let stderr: String
    }

    static func importHPA(_ arguments: [String]) async -> Run {
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(["import-hpa"] + arguments, output: captured.output)
        return Run(status: status, stdout: captured.standardOutput, stderr: captured.standardError)
    }

    /// Imports `fixture` into a file and loads it back.
    static func importAndLoad(_ fixture: String, in directory: TemporaryDirectory) async throws -> (
        Run, PolicyLoadResult
    ) {
        let output = directory.file("policy.yaml")
        let run = await importHPA([Self.fixture(fixture), "--output", output])
        let loaded = try PolicyLoader.load(path: output)
        return (run, loaded)
    }

    @Test func v2HPAMatchesHandWrittenPolicy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (run, loaded) = try await Self.importAndLoad("v2-behavior.yaml", in: directory)
        #expect(run.status == .success)
        #expect(loaded.problems.isEmpty)
        let expected = try PolicyLoader.load(path: Self.fixture("v2-behavior.policy.yaml"))
        #expect(expected.problems.isEmpty)
        #expect(loaded.targets == expected.targets)

        let target = try #require(loaded.targets.first)
        #expect(loaded.targets.count == 1)
        #expect(target.kind == .deployment)
        #expect(target.namespace == "shop")
        #expect(target.name == "api")
        #expect(target.minReplicas == 2)
        #expect(target.maxReplicas == 20)
        #expect(target.mode == .observe)
    }

    /// The behavior is the HPA's, field for field: windows, selectPolicy, every policy in
    /// order, and the scale-up tolerance `50m`, which is 0.05.
    @Test func v2BehaviorCopiedFieldForField() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, loaded) = try await Self.importAndLoad("v2-behavior.yaml", in: directory)
        let behavior = try #require(loaded.targets.first).behavior
        #expect(behavior.scaleUp.stabilizationWindowSeconds == 30)
        #expect(behavior.scaleUp.selectPolicy == .max)
        #expect(
            behavior.scaleUp.policies == [
                RatePolicy(type: .percent, value: 50, periodSeconds: 60),
                RatePolicy(type: .pods, value: 5, periodSeconds: 60),
            ]
        )
        #expect(behavior.scaleUp.tolerance == 0.05)
        #expect(behavior.scaleDown.stabilizationWindowSeconds == 600)
        #expect(behavior.scaleDown.selectPolicy == .min)
        #expect(
            behavior.scaleDown.policies == [
                RatePolicy(type: .pods, value: 1, periodSeconds: 120),
                RatePolicy(type: .percent, value: 10, periodSeconds: 60),
            ]
        )
        // Not set in the HPA, so the HPA's default, which is Headroom's.
        #expect(behavior.scaleDown.tolerance == 0.1)
    }

    /// CPU at 70 % becomes a utilization signal compared with 0.7 on a ratio, within binary
    /// rounding because the loader computes 70 × 0.01. Memory at 512Mi per pod becomes
    /// 536870912 bytes (512 × 1024 × 1024).
    @Test func v2MetricsBecomeSignals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, loaded) = try await Self.importAndLoad("v2-behavior.yaml", in: directory)
        let signals = try #require(loaded.targets.first).signals
        #expect(signals.map(\.name) == ["cpu-utilization", "memory-average"])
        let cpu = signals[0]
        #expect(cpu.rule == .utilization)
        #expect(cpu.resultUnit == .ratio)
        #expect(abs(cpu.threshold - 0.7) < 1e-12)
        #expect(cpu.query.contains("container_cpu_usage_seconds_total"))
        #expect(cpu.query.contains(#"resource="cpu""#))
        let memory = signals[1]
        #expect(memory.rule == .utilization)
        #expect(memory.resultUnit == .bytes)
        #expect(memory.threshold == 536_870_912)
        #expect(memory.query.contains("container_memory_working_set_bytes"))
    }

    /// The Pods metric is listed on standard error and in the policy's comments, naming the
    /// HPA, the field and the reason.
    @Test func unmappedMetricListed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (run, _) = try await Self.importAndLoad("v2-behavior.yaml", in: directory)
        let line =
            "HPA shop/api: spec.metrics[2]: Pods metric \"http_requests_per_second\" is served by a metrics "
            + "adapter whose rules, not the HPA, define its query; write a signal with the adapter's PromQL for it"
        #expect(run.stderr.contains("not mapped: \(line)\n"))
        let written = try String(contentsOfFile: directory.file("policy.yaml"), encoding: .utf8)
        #expect(written.contains("# - \(line)\n"))
        #expect(written.contains("# Not mapped (1):"))
    }

    @Test func v1HPAMatchesHandWrittenPolicy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (run, loaded) = try await Self.importAndLoad("v1-cpu.yaml", in: directory)
        #expect(run.status == .success)
        #expect(run.stderr.hasSuffix("v1-cpu.yaml: 1 target imported in observe mode; 0 fields not mapped\n"))
        #expect(!run.stderr.contains("not mapped:"))
        let expected = try PolicyLoader.load(path: Self.fixture("v1-cpu.policy.yaml"))
        #expect(expected.problems.isEmpty)
        #expect(loaded.targets == expected.targets)

        let target = try #require(loaded.targets.first)
        #expect(target.kind == .statefulSet)
        #expect(target.namespace == "cms")
        #expect(target.name == "directus")
        #expect(target.minReplicas == 1)
        #expect(target.maxReplicas == 8)
        #expect(target.mode == .observe)
        #expect(target.behavior == ScalingBehavior())
        #expect(target.signals.count == 1)
        #expect(abs((target.signals.first?.threshold ?? 0) - 0.6) < 1e-12)
        #expect(target.signals.first?.query.contains(#"pod=~"{{name}}-[0-9]+""#) == true)
    }

    /// A List that contains both HPAs gives a policy with both targets, in the List's order.
    @Test func listImportsEveryItem() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (run, loaded) = try await Self.importAndLoad("list.yaml", in: directory)
        #expect(run.status == .success)
        let v2 = try PolicyLoader.load(path: Self.fixture("v2-behavior.policy.yaml"))
        let v1 = try PolicyLoader.load(path: Self.fixture("v1-cpu.policy.yaml"))
        #expect(loaded.targets == v2.targets + v1.targets)
        #expect(run.stderr.hasSuffix("list.yaml: 2 targets imported in observe mode; 1 field not mapped\n"))
    }

    /// Several documents in one stream import like a List.
    @Test func multipleDocumentsImport() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let v2 = try String(contentsOfFile: Self.fixture("v2-behavior.yaml"), encoding: .utf8)
        let v1 = try String(contentsOfFile: Self.fixture("v1-cpu.yaml"), encoding: .utf8)
        let input = try directory.write("hpas.yaml", v2 + "---\n" + v1)
        let run = await Self.importHPA([input])
        #expect(run.status == .success)
        let loaded = try PolicyLoader.load(text: run.stdout, file: "stdout")
        #expect(loaded.targets.map(\.identity) == ["Deployment shop/api", "StatefulSet cms/directus"])
    }

    /// `headroom check` accepts each imported policy.
    @Test(arguments: ["v2-behavior.yaml", "v1-cpu.yaml", "list.yaml"])
    func checkAcceptsImport(fixture: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.file("policy.yaml")
        let run = await Self.importHPA([Self.fixture(fixture), "--output=\(output)"])
        #expect(run.status == .success)
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(["check", "--policy", output], output: captured.output)
        #expect(status == .success)
        #expect(captured.standardError.isEmpty)
        #expect(captured.standardOutput.hasPrefix("\(output): valid;"))
    }
}
