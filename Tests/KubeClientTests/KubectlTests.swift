import Foundation
import HTTPTransport
import KubeTestServer
import TestSupport
import Testing

@testable import KubeClient

/// kubectl from this machine's PATH against the test server. The machine's kubectl is a
/// dispatcher that picks a client matching the server's `/version` (v1.32.4 here).
@Suite(.serialized) struct KubectlTests {
    /// Runs kubectl with a kubeconfig written for `cluster`, its own cache directory and a
    /// request timeout.
    struct Kubectl {
        let cluster: TestCluster
        let kubeconfig: String

        init(_ cluster: TestCluster) throws {
            self.cluster = cluster
            kubeconfig = try cluster.directory.write(
                "kubeconfig",
                """
                apiVersion: v1
                kind: Config
                current-context: test
                clusters:
                - name: test
                  cluster:
                    server: \(cluster.server.apiURL)
                    certificate-authority: \(cluster.certificatePath)
                users:
                - name: admin
                  user:
                    token: \(TestCluster.adminToken)
                contexts:
                - name: test
                  context: {cluster: test, user: admin, namespace: shop}
                """
            )
        }

        func run(_ arguments: [String]) throws -> CommandResult {
            guard let path = ChildProcess.resolve("kubectl") else {
                throw TestSupportError.notFound(
                    "kubectl on PATH: these tests need the machine's kubectl dispatcher with a 1.32 client; "
                        + "Debian's kubernetes-client (1.20) is too old for a v1.32 server"
                )
            }
            let common = [
                "--kubeconfig", kubeconfig, "--cache-dir", cluster.directory.file("kubectl-cache"),
                "--request-timeout", "20s",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["HOME"] = cluster.directory.path
            environment["KUBECONFIG"] = nil
            return try runCommand(path, arguments + common, environment: environment, timeout: .seconds(60))
        }

        /// Runs kubectl, requires exit status 0, and returns its output split into table rows
        /// of whitespace-separated cells.
        func table(_ arguments: [String]) throws -> [[String]] {
            let result = try run(arguments)
            try #require(result.status == 0, "kubectl \(arguments) failed: \(result.stderr)")
            return result.stdout.split(separator: "\n").map { line in
                line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            }
        }
    }

    @Test func scaleShowsInReadyColumn() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let kubectl = try Kubectl(cluster)

        let scaled = try kubectl.run(["scale", "deployment/api", "--replicas=5"])
        let rows = try kubectl.table(["get", "deployments"])

        #expect(scaled.status == 0)
        #expect(scaled.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "deployment.apps/api scaled")
        #expect(rows.first == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])
        let api = try #require(rows.first { $0.first == "api" })
        #expect(api[1] == "5/5")
        #expect(api[2] == "5")
        #expect(api[3] == "5")
        let patch = try #require(cluster.audit(path: "/apis/apps/v1/namespaces/shop/deployments/api/scale").last)
        #expect(patch.method == "PATCH")
        #expect(patch.identity == "admin")
        #expect(patch.userAgent?.hasPrefix("kubectl/v1.32.") == true, "the dispatcher did not pick a 1.32 client")
    }

    @Test func rawScaleMatchesServerState() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let client = try cluster.client()
        let target = ScaleTarget(kind: .deployment, namespace: "shop", name: "api")
        let read = try await client.scale(of: target)
        _ = try await client.patchScale(of: target, replicas: 4, resourceVersion: read.resourceVersion)
        let kubectl = try Kubectl(cluster)

        let result = try kubectl.run(["get", "--raw", "/apis/apps/v1/namespaces/shop/deployments/api/scale"])

        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let stored = try cluster.stored(.deployments, "api")
        #expect(json["kind"] as? String == "Scale")
        #expect((json["spec"] as? [String: Any])?["replicas"] as? Int == 4)
        #expect((json["status"] as? [String: Any])?["selector"] as? String == "app=api")
        let metadata = json["metadata"] as? [String: Any]
        #expect(metadata?["resourceVersion"] as? String == stored[path: ["metadata", "resourceVersion"]]?.stringValue)
    }

    @Test func podsShowReadiness() throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        for (name, ready, restarts) in [("api-ready", true, 0), ("api-starting", false, 2)] {
            try cluster.server.store.seed([
                "apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": .string(name), "namespace": "shop", "labels": ["app": "api"]],
                "spec": ["containers": [["name": "app", "image": "api:1"]]],
                "status": [
                    "phase": "Running",
                    "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]],
                    "containerStatuses": [["name": "app", "ready": .bool(ready), "restartCount": .int(restarts)]],
                ],
            ])
        }
        let kubectl = try Kubectl(cluster)

        let rows = try kubectl.table(["get", "pods"])

        #expect(rows.first == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
        #expect(rows.first { $0.first == "api-ready" }?.dropLast() == ["api-ready", "1/1", "Running", "0"])
        #expect(rows.first { $0.first == "api-starting" }?.dropLast() == ["api-starting", "0/1", "Running", "2"])
    }

    @Test func eventsListedByReason() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let client = try cluster.client()
        let event = KubeEvent(
            regarding: ObjectReference(ScaleTarget(kind: .deployment, namespace: "shop", name: "api")),
            reason: "SuccessfulRescale",
            message: "New size: 5; reason: queue depth above target"
        )
        _ = try await client.createEvent(event, now: Date())
        let kubectl = try Kubectl(cluster)

        let result = try kubectl.run(["get", "events"])

        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first)
        #expect(
            header.split(separator: " ", omittingEmptySubsequences: true).prefix(4) == [
                "LAST", "SEEN", "TYPE", "REASON",
            ]
        )
        let row = try #require(lines.first { $0.contains("SuccessfulRescale") })
        #expect(row.contains("Normal"))
        #expect(row.contains("deployment/api"))
        #expect(row.hasSuffix("New size: 5; reason: queue depth above target"))
    }
}
