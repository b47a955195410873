import Foundation
import KubeTestServer
import TestSupport
import Testing

extension EndToEndTests {
    /// `headroom run` reloading its policy from a directory laid out as a mounted ConfigMap,
    /// changed three times by swapping the `..data` symlink.
    ///
    /// Only `StatefulSet shop/worker` is in the policy, at 4 replicas with a live queue depth
    /// of 43 and a perReplica signal, so the numbers are worked out by hand:
    /// - target 10: 43 / (10 × 4) = 1.075, inside the tolerance 0.1, so it keeps 4 replicas.
    /// - target 6: ceil(43 / 6) = ceil(7.17) = 8, within the default scale-up limit
    ///   max(4 + 100 %, 4 + 4) = 8, so it scales to 8.
    /// - an invalid policy with two problems: rejected, and the worker stays at 8.
    /// - target 10 again: ceil(43 / 10) = 5, but the process started seconds ago, inside the
    ///   300 s scale-down window, so it keeps 8 (ScaleDownStabilized). That the window's
    ///   history survives a reload is shown by `PolicyReloadLoopTests` on a manual clock.
    @Suite struct PolicyReloadEndToEndTests {
        static let worker = "StatefulSet shop/worker"

        static func policy(target: String, extra: String = "") -> String {
            """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - kind: StatefulSet
                namespace: shop
                name: worker
                minReplicas: 1
                maxReplicas: 12\(extra)
                signals:
                  - name: depth
                    query: 'sum(queue_depth{namespace="{{namespace}}",statefulset="{{name}}"})'
                    target: \(target)
                    rule: perReplica

            """
        }

        @Test func swapsApplyOrReject() async throws {
            let environment = try EndToEndEnvironment(liveGauges: EndToEndEnvironment.workerWithinTolerance)
            defer { environment.stop() }
            try environment.seed(kind: "StatefulSet", name: "worker", replicas: TestPolicy.workerReplicas)
            let mount = try MountedPolicy(in: environment.directory, policy: Self.policy(target: "10"))
            let port = try freeLoopbackPort()
            let arguments =
                environment.runArguments(policy: mount.path, metricsAddress: "127.0.0.1:\(port)") + [
                    "--interval", "2s", "--policy-poll-interval", "1s", "--policy-configmap", "shop/headroom-policy",
                ]
            let child = try HeadroomProcess.start(arguments, in: environment.directory)
            defer { child.terminate() }
            let records = { JSONLogRecord.parse(child.stderr()) }

            try await HeadroomProcess.wait("the worker held within tolerance", timeout: .seconds(20)) {
                records().about(Self.worker).contains { $0.message == "holding" && $0["reason"] == "WithinTolerance" }
            }

            try mount.swap(to: Self.policy(target: "6"))
            try await HeadroomProcess.wait("the worker scaled to 8", timeout: .seconds(10)) {
                try environment.specReplicas("statefulsets", "worker") == 8
            }
            let scaledAfterValid = try environment.specReplicas("statefulsets", "worker")
            let reloaded = records().filter { $0.message == "policy reloaded; it applies from the next cycle" }
            #expect(reloaded.count == 1)
            #expect(reloaded.first?["targets"] == "1")
            #expect(reloaded.first?["keptTargets"] == "1")

            try mount.swap(to: Self.policy(target: "lots", extra: "\n    replicaz: 3"))
            try await HeadroomProcess.wait("the reload rejected", timeout: .seconds(10)) {
                records().contains { $0.message == "policy reload rejected; the last good policy keeps running" }
            }
            let rejected = records().filter {
                $0.message == "policy reload rejected; the last good policy keeps running"
            }
            #expect(rejected.count == 1)
            #expect(rejected.first?["problemCount"] == "2")
            #expect(rejected.first?["problems"]?.contains("targets[0].replicaz: unknown key") == true)
            #expect(
                rejected.first?["problems"]?.contains("targets[0].signals[0].target: invalid target \"lots\"") == true
            )
            let events = try Self.reloadEvents(environment)
            #expect(events.count == 1)
            #expect(events.first?[path: ["involvedObject", "kind"]]?.stringValue == "ConfigMap")
            #expect(events.first?[path: ["involvedObject", "name"]]?.stringValue == "headroom-policy")
            #expect(events.first?[path: ["type"]]?.stringValue == "Warning")
            let failedMetrics = try Self.scrape(port: port)
            #expect(failedMetrics.contains("headroom_policy_reloads_total{result=\"success\"} 1\n"))
            #expect(failedMetrics.contains("headroom_policy_reloads_total{result=\"failure\"} 1\n"))
            #expect(failedMetrics.contains("headroom_policy_valid 0\n"))

            let beforeLastSwap = records().count
            try mount.swap(to: Self.policy(target: "10"))
            try await HeadroomProcess.wait("the worker held by the scale-down window", timeout: .seconds(10)) {
                records().dropFirst(beforeLastSwap).contains {
                    $0.message == "holding" && $0["target"] == Self.worker && $0["reason"] == "ScaleDownStabilized"
                }
            }
            #expect(try environment.specReplicas("statefulsets", "worker") == 8)
            let stabilized = records().dropFirst(beforeLastSwap).first {
                $0.message == "holding" && $0["target"] == Self.worker && $0["reason"] == "ScaleDownStabilized"
            }
            #expect(stabilized?["currentReplicas"] == "8")
            #expect(stabilized?["desiredReplicas"] == "8")
            let validMetrics = try Self.scrape(port: port)
            #expect(validMetrics.contains("headroom_policy_reloads_total{result=\"success\"} 2\n"))
            #expect(validMetrics.contains("headroom_policy_valid 1\n"))

            FaultMatrix.record(
                suite: "PolicyReload",
                row: "valid, invalid, valid",
                [
                    .init("valid reload: worker scaled to", expected: 8, observed: scaledAfterValid),
                    .init(
                        "invalid reload: problems listed",
                        expected: "2",
                        observed: rejected.first?["problemCount"] ?? "none"
                    ),
                    .init("invalid reload: PolicyReloadFailed Events", expected: 1, observed: events.count),
                    .init(
                        "valid again: history kept, held at",
                        expected: "8 (ScaleDownStabilized)",
                        observed: "\(stabilized?["desiredReplicas"] ?? "none") (\(stabilized?["reason"] ?? "none"))"
                    ),
                ]
            )
        }

        /// Returns the `PolicyReloadFailed` Events stored in `shop`.
        static func reloadEvents(_ environment: EndToEndEnvironment) throws -> [JSONValue] {
            guard let type = ResourceType.find(apiVersion: "v1", kind: "Event") else {
                throw TestSupportError.notFound("resource type v1 Event")
            }
            return environment.cluster.store.list(type, namespace: "shop").items.filter {
                $0[path: ["reason"]]?.stringValue == "PolicyReloadFailed"
            }
        }

        /// Returns the text of `/metrics` on `port`.
        static func scrape(port: Int) throws -> String {
            try runCommand(
                "curl",
                ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"],
                timeout: .seconds(10)
            )
            .stdout
        }
    }
}

/// A policy file laid out as the kubelet mounts a ConfigMap key: `policy.yaml` links to
/// `..data/policy.yaml`, and `..data` links to a timestamped directory that a swap replaces.
final class MountedPolicy: @unchecked Sendable {
    let root: String
    private var version = 0

    var path: String { "\(root)/policy.yaml" }

    init(in directory: TemporaryDirectory, policy: String) throws {
        root = directory.file("configmap")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        try swap(to: policy)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "..data/policy.yaml")
    }

    /// Writes `policy` into a new directory and renames a new `..data` link over the old one.
    func swap(to policy: String) throws {
        version += 1
        let name = "..2026_12_04_22_00_00.\(version)"
        try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: false)
        try policy.write(toFile: "\(root)/\(name)/policy.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: "\(root)/..data_tmp", withDestinationPath: name)
        guard rename("\(root)/..data_tmp", "\(root)/..data") == 0 else {
            throw TestSupportError.system("rename", errno)
        }
    }
}
