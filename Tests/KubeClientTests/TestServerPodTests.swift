import Foundation
import KubeTestServer
import Testing

@testable import KubeClient

/// Pods on the API test server as a real API server serves them: set-based selectors, the
/// Scale's selector with `matchExpressions`, a created pod's status, and kubectl's STATUS cell.
@Suite(.serialized) struct TestServerPodTests {
    static let api = ScaleTarget(kind: .deployment, namespace: "shop", name: "api")

    /// Stores a pod `name` in `shop` with `labels` and `status`, and `deletionTimestamp` when given.
    func seedPod(
        _ cluster: TestCluster,
        _ name: String,
        labels: [String: String] = [:],
        status: JSONValue = ["phase": "Running"],
        deleted: String? = nil
    ) throws {
        var metadata: JSONValue = [
            "name": .string(name), "namespace": "shop",
            "labels": .object(labels.mapValues { JSONValue.string($0) }),
        ]
        if let deleted { metadata["deletionTimestamp"] = .string(deleted) }
        try cluster.server.store.seed([
            "apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": ["containers": [["name": "app", "image": "api:1"]]], "status": status,
        ])
    }

    @Test func setBasedSelectorsFilterPodLists() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try seedPod(cluster, "api-stable", labels: ["app": "api", "track": "stable"])
        try seedPod(cluster, "api-untracked", labels: ["app": "api"])
        try seedPod(cluster, "api-canary", labels: ["app": "api", "track": "canary"])
        try seedPod(cluster, "api-legacy", labels: ["app": "api", "legacy": "yes"])
        try seedPod(cluster, "web-stable", labels: ["app": "web", "track": "stable"])
        try seedPod(cluster, "db-0", labels: ["app": "db"])
        let client = try cluster.client()

        // `notin` also matches pods without the label, as `!=` does.
        let apiOrWeb = try await client.pods(
            namespace: "shop",
            labelSelector: "app in (api,web),track notin (canary),!legacy"
        )
        let tracked = try await client.pods(namespace: "shop", labelSelector: "track,track in (stable)")
        let notCanary = try await client.pods(namespace: "shop", labelSelector: "track!=canary,app=api")

        #expect(apiOrWeb.map(\.name) == ["api-stable", "api-untracked", "web-stable"])
        #expect(tracked.map(\.name) == ["api-stable", "web-stable"])
        #expect(notCanary.map(\.name) == ["api-legacy", "api-stable", "api-untracked"])
    }

    @Test func malformedSetTermIsRefused() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let client = try cluster.client()

        await #expect {
            try await client.pods(namespace: "shop", labelSelector: "app within (api)")
        } throws: { error in
            guard case KubeError.api(_, let status, _) = error else { return false }
            return status == 400
        }
    }

    @Test func scaleSelectorCarriesMatchExpressions() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.server.store.seed([
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "api", "namespace": "shop"],
            "spec": [
                "replicas": 2,
                "selector": [
                    "matchLabels": ["app": "api"],
                    "matchExpressions": [
                        ["key": "track", "operator": "NotIn", "values": ["canary", "beta"]],
                        ["key": "legacy", "operator": "DoesNotExist"],
                    ],
                ],
            ],
        ])
        let client = try cluster.client()

        let scale = try await client.scale(of: Self.api)
        let status = try await client.workloadStatus(of: Self.api)

        #expect(scale.selector == "app=api,track notin (beta,canary),!legacy")
        #expect(try status.podLabelSelector(of: Self.api) == "app=api,track notin (beta,canary),!legacy")
    }

    @Test func createdPodStartsPending() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let before = Date().addingTimeInterval(-1)
        let body = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-x","labels":{"app":"api"}},
             "spec":{"containers":[{"name":"app","image":"api:1"}]},
             "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}
            """

        let response = try await cluster.apiRequest(
            .post,
            "/api/v1/namespaces/shop/pods",
            body: body,
            contentType: "application/json"
        )
        let pods = try await cluster.client().pods(namespace: "shop", labelSelector: "app=api")

        #expect(response.status == 201)
        let created = try JSONValue.parse(response.body)
        #expect(created["status"] == ["phase": "Pending"])
        let pod = try #require(pods.first)
        #expect(pods.count == 1)
        #expect(pod.phase == "Pending")
        #expect(!pod.isReady)
        let createdAt = try #require(pod.creationTimestamp)
        #expect(createdAt >= before.addingTimeInterval(-1))
        #expect(createdAt <= Date().addingTimeInterval(1))
    }

    @Test func kubectlStatusShowsWaitingReasonsAndTermination() throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        func container(_ state: JSONValue, ready: Bool = false) -> JSONValue {
            ["containerStatuses": [["name": "app", "ready": .bool(ready), "restartCount": 0, "state": state]]]
        }
        try seedPod(cluster, "a-unscheduled", status: ["phase": "Pending"])
        var creating = container(["waiting": ["reason": "ContainerCreating"]])
        creating["phase"] = "Pending"
        try seedPod(cluster, "b-creating", status: creating)
        var crashing = container(["waiting": ["reason": "CrashLoopBackOff"]])
        crashing["phase"] = "Running"
        try seedPod(cluster, "c-crashing", status: crashing)
        var running = container(["running": ["startedAt": "2026-12-04T10:00:00Z"]], ready: true)
        running["phase"] = "Running"
        try seedPod(cluster, "d-running", status: running)
        try seedPod(cluster, "e-terminating", status: running, deleted: "2026-12-04T10:05:00Z")
        try seedPod(cluster, "f-evicted", status: ["phase": "Failed", "reason": "Evicted"])
        let kubectl = try KubectlTests.Kubectl(cluster)

        let rows = try kubectl.table(["get", "pods"])

        #expect(rows.first == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
        #expect(
            rows.dropFirst().map { Array($0.prefix(3)) } == [
                ["a-unscheduled", "0/1", "Pending"],
                ["b-creating", "0/1", "ContainerCreating"],
                ["c-crashing", "0/1", "CrashLoopBackOff"],
                ["d-running", "1/1", "Running"],
                ["e-terminating", "1/1", "Terminating"],
                ["f-evicted", "0/1", "Evicted"],
            ]
        )
    }
}
