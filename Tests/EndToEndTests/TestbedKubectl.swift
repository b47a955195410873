import Foundation
import TestSupport

/// kubectl from PATH against the live testbed, as the identity `FlashSalePlan.kubectlIdentity`,
/// with its own cache directory and HOME.
///
/// The testbed rewrites status ten times a second, so a table is compared with the API only
/// where two API reads, one just before and one just after kubectl, agree: that value held
/// during kubectl's read.
struct TestbedKubectl {
    let testbed: TestbedProcess
    let kubeconfig: String

    init(_ testbed: TestbedProcess) throws {
        self.testbed = testbed
        kubeconfig = try testbed.kubeconfig(for: FlashSalePlan.kubectlIdentity)
    }

    /// Runs kubectl, requires exit status 0 and returns the output as rows of cells.
    func table(_ arguments: [String]) async throws -> [[String]] {
        guard let path = ChildProcess.resolve("kubectl") else {
            throw TestSupportError.notFound("kubectl on PATH (the machine's dispatcher with a 1.32 client)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = testbed.directory.path
        environment["KUBECONFIG"] = nil
        let common = [
            "--kubeconfig", kubeconfig, "--cache-dir", testbed.directory.file("kubectl-cache"),
            "--request-timeout", "20s",
        ]
        let result = try await runChild(path, arguments + common, environment: environment, timeout: .seconds(60))
        guard result.status == 0 else {
            throw TestSupportError.failed("kubectl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout.split(separator: "\n").map { line in
            line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
    }

    /// Returns `READY` of `kubectl get deployments` and `<ready>/<spec.replicas>` from the API,
    /// read while the API did not change. Returns nil when it changed during each of `attempts`.
    func deploymentReady(attempts: Int = 5) async throws -> (kubectl: String, api: String)? {
        for _ in 0..<attempts {
            let before = try await testbed.deploymentReadiness()
            let rows = try await table(["get", "deployments"])
            let after = try await testbed.deploymentReadiness()
            guard before == after else { continue }
            let row = rows.first { $0.first == FlashSalePlan.deployment }
            return (row.map { $0.count > 1 ? $0[1] : "" } ?? "no row", before)
        }
        return nil
    }

    /// Compares `kubectl get pods` READY with each pod's Ready condition, for the pods whose
    /// condition was the same in the API just before and just after kubectl.
    func podReadiness() async throws -> PodReadinessComparison {
        let before = try await apiPodReadiness()
        let rows = try await table(["get", "pods"])
        let after = try await apiPodReadiness()
        var comparison = PodReadinessComparison(header: rows.first ?? [])
        for row in rows.dropFirst() where row.count >= 2 {
            guard let ready = before[row[0]], after[row[0]] == ready else { continue }
            let expected = ready ? "1/1" : "0/1"
            if row[1] == expected {
                comparison.matched[expected, default: 0] += 1
            } else {
                comparison.mismatches.append("\(row[0]): kubectl \(row[1]), Ready condition \(ready)")
            }
        }
        return comparison
    }

    /// Returns, for each pod name, whether its Ready condition is True.
    private func apiPodReadiness() async throws -> [String: Bool] {
        let list = try await testbed.get("/api/v1/namespaces/shop/pods", as: FlashSalePlan.kubectlIdentity)
        var readiness: [String: Bool] = [:]
        for item in list["items"] as? [[String: Any]] ?? [] {
            guard let name = (item["metadata"] as? [String: Any])?["name"] as? String else { continue }
            let conditions = (item["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
            let ready = conditions.first { $0["type"] as? String == "Ready" }
            readiness[name] = ready?["status"] as? String == "True"
        }
        return readiness
    }
}

/// Pods whose kubectl READY cell agreed with their Ready condition, by cell, and those that
/// did not.
struct PodReadinessComparison {
    var header: [String]
    var matched: [String: Int] = [:]
    var mismatches: [String] = []

    mutating func add(_ other: PodReadinessComparison) {
        if header.isEmpty { header = other.header }
        matched.merge(other.matched, uniquingKeysWith: +)
        mismatches += other.mismatches
    }
}
