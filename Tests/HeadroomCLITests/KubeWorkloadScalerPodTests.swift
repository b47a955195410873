import Autoscaler
import Foundation
import KubeClient
import KubeTestServer
import Testing

@testable import HeadroomCLI

/// `KubeWorkloadScaler.readWorkload` against the API test server: the pods it reads when the
/// target needs them, which it keeps, how they map to `PodState`, and the requests it sends.
@Suite(.serialized) struct KubeWorkloadScalerPodTests {
    typealias Owner = (kind: String, name: String, uid: String?)

    static let replicaSet: Owner = ("ReplicaSet", "api-7d9f", "rs-1")

    func seedDeployment(_ cluster: ScalerCluster, selector: JSONValue) throws {
        try cluster.server.store.seed([
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "api", "namespace": "shop", "uid": "deploy-1"],
            "spec": ["replicas": 5, "selector": selector],
            "status": ["replicas": 5, "readyReplicas": 2, "observedGeneration": 1],
        ])
    }

    func seedPod(
        _ cluster: ScalerCluster,
        _ name: String,
        labels: [String: String],
        owner: Owner?,
        phase: String,
        conditions: [JSONValue] = [],
        created: String,
        deleted: String? = nil
    ) throws {
        var metadata: JSONValue = [
            "name": .string(name), "namespace": "shop", "creationTimestamp": .string(created),
            "labels": .object(labels.mapValues { JSONValue.string($0) }),
        ]
        if let owner {
            var reference: JSONValue = [
                "apiVersion": "apps/v1", "kind": .string(owner.kind), "name": .string(owner.name), "controller": true,
            ]
            if let uid = owner.uid { reference["uid"] = .string(uid) }
            metadata["ownerReferences"] = [reference]
        }
        if let deleted { metadata["deletionTimestamp"] = .string(deleted) }
        try cluster.server.store.seed([
            "apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": ["containers": [["name": "app", "image": "api:1"]]],
            "status": ["phase": .string(phase), "conditions": .array(conditions)],
        ])
    }

    static func condition(
        _ type: String,
        _ status: String,
        at time: String,
        reason: String? = nil,
        message: String? = nil
    )
        -> JSONValue
    {
        var condition: JSONValue = [
            "type": .string(type), "status": .string(status), "lastTransitionTime": .string(time),
        ]
        if let reason { condition["reason"] = .string(reason) }
        if let message { condition["message"] = .string(message) }
        return condition
    }

    /// Seeds the Deployment `api` (selector `app=api`, `track notin (canary)`) with a pod in each
    /// state, and pods that the selector or the owner check leaves out.
    func seedFleet(_ cluster: ScalerCluster) throws {
        try seedDeployment(
            cluster,
            selector: [
                "matchLabels": ["app": "api"],
                "matchExpressions": [["key": "track", "operator": "NotIn", "values": ["canary"]]],
            ]
        )
        try seedOwnPods(cluster)
        try seedOtherPods(cluster)
    }

    static let ownLabels = ["app": "api", "pod-template-hash": "7d9f"]

    /// Seeds the pods of `api`'s ReplicaSet `api-7d9f`: one in each state the engine counts.
    func seedOwnPods(_ cluster: ScalerCluster) throws {
        let own = Self.ownLabels
        try seedPod(
            cluster,
            "api-7d9f-ready",
            labels: own,
            owner: Self.replicaSet,
            phase: "Running",
            conditions: [
                Self.condition("PodScheduled", "True", at: "2026-12-04T10:00:01Z"),
                Self.condition("Ready", "True", at: "2026-12-04T10:00:42Z"),
            ],
            created: "2026-12-04T10:00:00Z"
        )

        try seedPod(
            cluster,
            "api-7d9f-starting",
            labels: own,
            owner: Self.replicaSet,
            phase: "Running",
            conditions: [
                Self.condition("PodScheduled", "True", at: "2026-12-04T10:01:02Z"),
                Self.condition("Ready", "False", at: "2026-12-04T10:01:02Z", reason: "ContainersNotReady"),
            ],
            created: "2026-12-04T10:01:00Z"
        )

        try seedPod(
            cluster,
            "api-7d9f-pending",
            labels: own,
            owner: Self.replicaSet,
            phase: "Pending",
            created: "2026-12-04T10:02:00Z"
        )

        try seedPod(
            cluster,
            "api-7d9f-unschedulable",
            labels: own,
            owner: Self.replicaSet,
            phase: "Pending",
            conditions: [
                Self.condition(
                    "PodScheduled",
                    "False",
                    at: "2026-12-04T10:03:00Z",
                    reason: "Unschedulable",
                    message: "0/3 nodes are available: 3 Insufficient cpu."
                )
            ],
            created: "2026-12-04T10:03:00Z"
        )

        try seedPod(
            cluster,
            "api-7d9f-terminating",
            labels: own,
            owner: Self.replicaSet,
            phase: "Running",
            conditions: [Self.condition("Ready", "True", at: "2026-12-04T09:50:40Z")],
            created: "2026-12-04T09:50:00Z",
            deleted: "2026-12-04T10:04:30Z"
        )

        try seedPod(
            cluster,
            "api-7d9f-evicted",
            labels: own,
            owner: Self.replicaSet,
            phase: "Failed",
            created: "2026-12-04T09:40:00Z"
        )
    }

    /// Seeds pods that the selector or the owner check leaves out.
    func seedOtherPods(_ cluster: ScalerCluster) throws {
        // Left out by `track notin (canary)`.
        var canary = Self.ownLabels
        canary["track"] = "canary"
        try seedPod(
            cluster,
            "api-7d9f-canary",
            labels: canary,
            owner: Self.replicaSet,
            phase: "Running",
            created: "2026-12-04T10:00:00Z"
        )

        // Matched by the selector, but controlled by the ReplicaSet of a Deployment `api-v2`.
        try seedPod(
            cluster,
            "api-v2-5c8b-x",
            labels: ["app": "api", "pod-template-hash": "5c8b"],
            owner: ("ReplicaSet", "api-v2-5c8b", "rs-2"),
            phase: "Running",
            created: "2026-12-04T10:00:00Z"
        )

        // Matched by the selector, but started by hand: no controller.
        try seedPod(
            cluster,
            "api-manual",
            labels: ["app": "api"],
            owner: nil,
            phase: "Running",
            created: "2026-12-04T10:00:00Z"
        )

        // Not matched by the selector.
        try seedPod(
            cluster,
            "web-6f5c-a",
            labels: ["app": "web", "pod-template-hash": "6f5c"],
            owner: ("ReplicaSet", "web-6f5c", nil),
            phase: "Running",
            created: "2026-12-04T10:00:00Z"
        )
    }

    @Test func podsInEachStateBecomePodStates() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        try seedFleet(cluster)

        let state = try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: true))

        #expect(state.specReplicas == 5)
        #expect(state.readyReplicas == 2)
        #expect(
            state.pods == [
                PodState(
                    name: "api-7d9f-evicted",
                    phase: .failed,
                    isReady: false,
                    createdAt: ScalerCluster.utc(9, 40, 0)
                ),
                PodState(
                    name: "api-7d9f-pending",
                    phase: .pending,
                    isReady: false,
                    createdAt: ScalerCluster.utc(10, 2, 0)
                ),
                PodState(
                    name: "api-7d9f-ready",
                    phase: .running,
                    isReady: true,
                    readySince: ScalerCluster.utc(10, 0, 42),
                    createdAt: ScalerCluster.utc(10, 0, 0)
                ),
                PodState(
                    name: "api-7d9f-starting",
                    phase: .running,
                    isReady: false,
                    createdAt: ScalerCluster.utc(10, 1, 0)
                ),
                PodState(
                    name: "api-7d9f-terminating",
                    phase: .running,
                    isReady: true,
                    readySince: ScalerCluster.utc(9, 50, 40),
                    createdAt: ScalerCluster.utc(9, 50, 0),
                    isTerminating: true
                ),
                PodState(
                    name: "api-7d9f-unschedulable",
                    phase: .pending,
                    isReady: false,
                    createdAt: ScalerCluster.utc(10, 3, 0),
                    schedulingProblem: "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."
                ),
            ]
        )
        // One read of the Deployment, the HPA list, one pod list; the server logs the query decoded.
        #expect(
            cluster.requests == [
                "get /apis/apps/v1/namespaces/shop/deployments/api", "list \(ScalerCluster.autoscalersPath)",
                "list \(ScalerCluster.podsPath)",
            ]
        )
        #expect(cluster.podLists.map(\.query) == ["labelSelector=app=api,track notin (canary)"])
    }

    @Test func noPodListWhenTheTargetDoesNotNeedPods() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        try seedFleet(cluster)

        let counts = try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: false))
        let requestsWithoutPods = cluster.requests.count
        let withPods = try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: true))

        #expect(counts.pods == nil)
        #expect(counts.specReplicas == 5)
        // The first read also lists the namespace's HPAs; the second finds that list cached.
        #expect(requestsWithoutPods == 2)
        #expect(withPods.pods?.count == 6)
        #expect(cluster.requests.count == 4)
        #expect(cluster.podLists.count == 1)
    }

    @Test func statefulSetKeepsPodsItControlsByUID() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        try cluster.server.store.seed([
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": ["name": "db", "namespace": "shop", "uid": "sts-db-2"],
            "spec": ["replicas": 2, "selector": ["matchLabels": ["app": "db"]]],
            "status": ["replicas": 2, "readyReplicas": 2, "availableReplicas": 2, "observedGeneration": 1],
        ])
        let ready = [Self.condition("Ready", "True", at: "2026-12-04T10:00:30Z")]
        for name in ["db-0", "db-1"] {
            try seedPod(
                cluster,
                name,
                labels: ["app": "db"],
                owner: ("StatefulSet", "db", "sts-db-2"),
                phase: "Running",
                conditions: ready,
                created: "2026-12-04T10:00:00Z"
            )
        }
        // Left behind by an earlier StatefulSet of the same name, which had another uid.
        try seedPod(
            cluster,
            "db-2",
            labels: ["app": "db"],
            owner: ("StatefulSet", "db", "sts-db-1"),
            phase: "Running",
            created: "2026-12-04T09:00:00Z"
        )
        // Same labels, another StatefulSet.
        try seedPod(
            cluster,
            "db-replica-0",
            labels: ["app": "db"],
            owner: ("StatefulSet", "db-replica", "sts-r"),
            phase: "Running",
            created: "2026-12-04T10:00:00Z"
        )

        let state = try await cluster.scaler.readWorkload(
            ScalerCluster.target("db", kind: .statefulSet, needsPods: true)
        )

        let readyPod = { (name: String) in
            PodState(
                name: name,
                phase: .running,
                isReady: true,
                readySince: ScalerCluster.utc(10, 0, 30),
                createdAt: ScalerCluster.utc(10, 0, 0)
            )
        }
        #expect(state.pods == [readyPod("db-0"), readyPod("db-1")])
        #expect(
            cluster.requests == [
                "get /apis/apps/v1/namespaces/shop/statefulsets/db", "list \(ScalerCluster.autoscalersPath)",
                "list \(ScalerCluster.podsPath)",
            ]
        )
    }

    @Test func listingPodsNeedsListOnPods() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        try seedFleet(cluster)
        let getDeployments = RBACRule(apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"])
        cluster.server.access.setRules([getDeployments], for: ScalerCluster.identity)

        let counts = try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: false))
        await #expect {
            try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: true))
        } throws: { error in
            guard case KubeError.forbidden(let target, _) = error else { return false }
            return target.verb == "list" && target.resource == "pods" && target.namespace == "shop"
                && "\(error)".contains(#"resources: ["pods"], verbs: ["list"]"#)
        }
        let listPods = RBACRule(apiGroups: [""], resources: ["pods"], verbs: ["list"])
        cluster.server.access.setRules([getDeployments, listPods], for: ScalerCluster.identity)
        let granted = try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: true))

        #expect(counts.pods == nil)
        #expect(granted.pods?.count == 6)
        // The HPA list is refused too (403) and skipped; it is cached, so it is not sent again.
        #expect(cluster.server.audit.all.map(\.status) == [200, 403, 200, 403, 200, 200])
    }

    @Test func selectorWithoutQueryFormFailsBeforeAnyList() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        try seedDeployment(
            cluster,
            selector: [
                "matchLabels": ["app": "api"],
                "matchExpressions": [["key": "cpu", "operator": "Gt", "values": ["2"]]],
            ]
        )

        await #expect {
            try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: true))
        } throws: { error in
            guard let error = error as? WorkloadSelectorError else { return false }
            return error.workload == "Deployment shop/api"
                && error.field == "spec.selector.matchExpressions[0].operator"
                && error.value == #""Gt""#
        }
        #expect(cluster.podLists.isEmpty)
        #expect(
            cluster.requests == [
                "get /apis/apps/v1/namespaces/shop/deployments/api", "list \(ScalerCluster.autoscalersPath)",
            ]
        )
    }
}
