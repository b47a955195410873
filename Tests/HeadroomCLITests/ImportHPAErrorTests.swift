import Autoscaler
import Foundation
import TestSupport
import Testing

@testable import HeadroomCLI

/// Input that `headroom import-hpa` rejects, and the values it maps by rule.
struct ImportHPAErrorTests {
    struct BadInput: Sendable, CustomTestStringConvertible {
        let name: String
        let yaml: String
        /// The whole first line of standard error after the file name.
        let message: String
        var testDescription: String { name }
    }

    static let hpaHeader = """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: api
          namespace: shop

        """

    /// Lines and columns are counted by hand in each YAML text: the mark is where the
    /// offending node starts (its parent mapping for a missing key).
    static let cases: [BadInput] = [
        BadInput(
            name: "not an HPA",
            yaml: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n",
            message: ":2:7: document 1: kind: \"Deployment\" is not a HorizontalPodAutoscaler; give only HPA "
                + "objects, such as the output of kubectl get hpa -o yaml"
        ),
        BadInput(
            name: "missing scaleTargetRef",
            yaml: hpaHeader + "spec:\n  maxReplicas: 5\n",
            message: ":7:3: HorizontalPodAutoscaler shop/api: spec.scaleTargetRef: missing; set it to the workload "
                + "the HPA scales, such as {apiVersion: apps/v1, kind: Deployment, name: api}"
        ),
        BadInput(
            name: "unknown apiVersion",
            yaml: hpaHeader.replacingOccurrences(of: "autoscaling/v2", with: "autoscaling/v3")
                + "spec:\n  maxReplicas: 5\n",
            message: ":1:13: HorizontalPodAutoscaler shop/api: apiVersion: unknown apiVersion \"autoscaling/v3\"; "
                + "expected autoscaling/v2 or autoscaling/v1"
        ),
        BadInput(
            name: "missing maxReplicas",
            yaml: hpaHeader + "spec:\n  scaleTargetRef: {kind: Deployment, name: api}\n",
            message: ":7:3: HorizontalPodAutoscaler shop/api: spec.maxReplicas: missing; set the most replicas the "
                + "HPA may scale to"
        ),
        BadInput(
            name: "maxReplicas not a number",
            yaml: hpaHeader + "spec:\n  scaleTargetRef: {kind: Deployment, name: api}\n  maxReplicas: ten\n",
            message: ":8:16: HorizontalPodAutoscaler shop/api: spec.maxReplicas: expected a whole number, found \"ten\""
        ),
        BadInput(
            name: "bad averageValue quantity",
            yaml: hpaHeader + """
                spec:
                  scaleTargetRef: {kind: Deployment, name: api}
                  maxReplicas: 5
                  metrics:
                    - type: Resource
                      resource: {name: cpu, target: {type: AverageValue, averageValue: lots}}

                """,
            message: ":11:72: HorizontalPodAutoscaler shop/api: spec.metrics[0].resource.target.averageValue: expected "
                + "a Kubernetes quantity such as 500m, 2 or 512Mi, found \"lots\""
        ),
        BadInput(
            name: "missing namespace",
            yaml: "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: api\n"
                + "spec:\n  scaleTargetRef: {kind: Deployment, name: api}\n  maxReplicas: 5\n",
            message: ":4:3: HorizontalPodAutoscaler api: metadata.namespace: missing; add it to the object or pass "
                + "--namespace NAMESPACE"
        ),
    ]

    /// Each case exits 1, names the field, the value and the fix, and writes no policy.
    @Test(arguments: cases)
    func rejectsBadInput(_ bad: BadInput) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write("hpa.yaml", bad.yaml)
        let output = directory.file("policy.yaml")
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(
            ["import-hpa", input, "--output", output],
            output: captured.output
        )
        #expect(status == .invalidPolicy)
        let lines = captured.standardError.split(separator: "\n").map(String.init)
        #expect(lines.first == input + bad.message)
        #expect(lines.last == "\(input): 1 problem; nothing written")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A ReplicaSet target does not map, so nothing is left to write.
    @Test func unsupportedKindLeavesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write(
            "hpa.yaml",
            Self.hpaHeader + "spec:\n  scaleTargetRef: {kind: ReplicaSet, name: api}\n  maxReplicas: 5\n"
        )
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(["import-hpa", input], output: captured.output)
        #expect(status == .invalidPolicy)
        #expect(
            captured.standardError.contains(
                "not mapped: HPA shop/api: spec.scaleTargetRef.kind: Headroom scales Deployments and StatefulSets, "
                    + "not a ReplicaSet, so this HPA is left out\n"
            )
        )
        #expect(captured.standardOutput.isEmpty)
    }

    @Test func unparsableYAMLExitsThree() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write("hpa.yaml", "kind: [unclosed\n")
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(["import-hpa", input], output: captured.output)
        #expect(status == .unreadablePolicy)
        #expect(captured.standardError.hasPrefix("\(input):2:1: invalid YAML: "))
    }

    struct BadUsage: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    @Test(arguments: [
        BadUsage(arguments: [], message: "missing FILE (use '-' for standard input)"),
        BadUsage(arguments: ["a.yaml", "b.yaml"], message: "unexpected argument 'b.yaml'; give one FILE"),
        BadUsage(arguments: ["a.yaml", "--output"], message: "'--output' needs a value"),
        BadUsage(arguments: ["a.yaml", "--out=x"], message: "unknown option '--out'"),
        BadUsage(
            arguments: ["a.yaml", "--namespace", "a", "--namespace=b"],
            message: "'--namespace' given more than once"
        ),
    ])
    func rejectsBadUsage(_ bad: BadUsage) {
        #expect(ImportHPACommand.parse(bad.arguments) == .failure(ImportHPACommand.UsageError(message: bad.message)))
    }

    /// Quantities as the Kubernetes API reads them: `m` is 1/1000, `Mi` is 1024², `k` is 1000.
    @Test(arguments: [
        ("500m", 0.5), ("2", 2.0), ("1.5", 1.5), ("512Mi", 536_870_912.0), ("1Gi", 1_073_741_824.0),
        ("2k", 2000.0), ("1e3", 1000.0), ("100M", 100_000_000.0),
    ])
    func parsesQuantity(text: String, value: Double) throws {
        let quantity = try #require(KubernetesQuantity(text))
        #expect(quantity.value == value)
    }

    @Test(arguments: ["", "lots", "1Xi", "inf", "nan", "0x10"])
    func rejectsQuantity(text: String) {
        #expect(KubernetesQuantity(text) == nil)
    }

    /// Bytes are written in the largest binary unit that divides them: 1536 KiB is 1.5 MiB, so
    /// it stays in Ki; 1500 bytes divide by no power of 1024.
    @Test(arguments: [
        (536_870_912.0, "512Mi"), (1_073_741_824.0, "1Gi"), (1_572_864.0, "1536Ki"), (1500.0, "1500B"),
        (100_000_000.0, "100000000B"),
    ])
    func writesBytes(value: Double, text: String) {
        #expect(HPAMapping.bytes(value) == text)
    }

    /// A ContainerResource metric reads one container, so its signal is named after it and its
    /// usage selector matches `container="app"`; 250m is 0.25 cores per pod.
    @Test func containerResourceSelectsContainer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write(
            "hpa.yaml",
            Self.hpaHeader + """
                spec:
                  scaleTargetRef: {kind: Deployment, name: api}
                  maxReplicas: 5
                  metrics:
                    - type: ContainerResource
                      containerResource:
                        name: cpu
                        container: app
                        target: {type: AverageValue, averageValue: 250m}

                """
        )
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(["import-hpa", input], output: captured.output)
        #expect(status == .success)
        let loaded = try PolicyLoader.load(text: captured.standardOutput, file: "stdout")
        let signal = try #require(loaded.targets.first?.signals.first)
        #expect(signal.name == "cpu-average-app")
        #expect(signal.threshold == 0.25)
        #expect(signal.resultUnit == .count)
        // AverageValue divides the container's usage by the ready pods, so only the usage
        // selector names the container.
        #expect(signal.query.contains(#"container!="POD", container="app"}[2m])"#))
        #expect(signal.query.components(separatedBy: "container=").count == 2)
    }

    /// Object and External metrics are listed with what they read, and the HPA's v1 annotations
    /// with the command that exports the HPA as v2.
    @Test func adapterMetricsAndAnnotationsListed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let v2 =
            Self.hpaHeader + """
                spec:
                  scaleTargetRef: {kind: Deployment, name: api}
                  maxReplicas: 5
                  metrics:
                    - type: Resource
                      resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
                    - type: Object
                      object:
                        metric: {name: requests-per-second}
                        describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main}
                        target: {type: Value, value: "2k"}
                    - type: External
                      external:
                        metric: {name: s0-rabbitmq-orders}
                        target: {type: AverageValue, averageValue: "20"}

                """
        let v1 = """
            apiVersion: autoscaling/v1
            kind: HorizontalPodAutoscaler
            metadata:
              name: web
              namespace: shop
              annotations:
                autoscaling.alpha.kubernetes.io/behavior: '{"ScaleUp":{"StabilizationWindowSeconds":30}}'
            spec:
              scaleTargetRef: {kind: Deployment, name: web}
              maxReplicas: 4

            """
        let input = try directory.write("hpa.yaml", v2 + "---\n" + v1)
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(["import-hpa", input], output: captured.output)
        #expect(status == .success)
        let lines = captured.standardError.split(separator: "\n").map(String.init)
        let adapter =
            "is served by a metrics adapter whose rules, not the HPA, define its query; write a signal with "
            + "the adapter's PromQL for it"
        #expect(
            lines.contains(
                "not mapped: HPA shop/api: spec.metrics[1]: Object metric \"requests-per-second\" of Ingress main "
                    + adapter
            )
        )
        #expect(
            lines.contains(
                "not mapped: HPA shop/api: spec.metrics[2]: External metric \"s0-rabbitmq-orders\" " + adapter
                    + " (a KEDA ScaledObject names its metrics s<N>-<trigger>: translate the ScaledObject's triggers)"
            )
        )
        #expect(
            lines.contains(
                "not mapped: HPA shop/web: metadata.annotations[autoscaling.alpha.kubernetes.io/behavior]: v2 "
                    + "behavior is not read from v1 annotations; export the HPA as autoscaling/v2 "
                    + "(kubectl get hpa.v2.autoscaling -o yaml) to import them"
            )
        )
        #expect(lines.last?.hasSuffix(": 2 targets imported in observe mode; 3 fields not mapped") == true)
    }

    /// An HPA without metrics scales on 80 % CPU, the HPA controller's default.
    @Test func noMetricsMeansCPUAt80Percent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write(
            "hpa.yaml",
            Self.hpaHeader + "spec:\n  scaleTargetRef: {kind: Deployment, name: api}\n  maxReplicas: 5\n"
        )
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(["import-hpa", input], output: captured.output)
        #expect(status == .success)
        let loaded = try PolicyLoader.load(text: captured.standardOutput, file: "stdout")
        let signal = try #require(loaded.targets.first?.signals.first)
        #expect(signal.name == "cpu-utilization")
        #expect(signal.threshold == 0.8)
    }
}

/// HPA values that Headroom's loader rejects are reported with the HPA they came from.
struct ImportHPASelfCheckTests {
    @Test func unknownSelectPolicyNamesHPA() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write(
            "hpa.yaml",
            ImportHPAErrorTests.hpaHeader + """
                spec:
                  scaleTargetRef: {kind: Deployment, name: api}
                  maxReplicas: 5
                  behavior:
                    scaleUp: {selectPolicy: Largest}

                """
        )
        let output = directory.file("policy.yaml")
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.dispatch(
            ["import-hpa", input, "--output", output],
            output: captured.output
        )
        #expect(status == .invalidPolicy)
        let lines = captured.standardError.split(separator: "\n").map(String.init)
        #expect(
            lines.first?.hasPrefix(
                "HPA shop/api: not accepted by Headroom: targets[0].behavior.scaleUp.selectPolicy: "
            ) == true
        )
        #expect(lines.first?.contains("Largest") == true)
        #expect(lines.last == "nothing written; fix the HPA values above or write those targets by hand")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
