import FleetModel
import Foundation
import KubeTestServer

/// Keeps the API store and the fleet model in step, standing in for the Deployment and
/// ReplicaSet controllers, the scheduler and the kubelet.
///
/// The model owns every pod and all status: the store's replica mirroring must be off (the
/// testbed turns it off). Each tick the sync reads `spec.replicas` of the Deployment, which an
/// autoscaler or `kubectl scale` may have changed, and after the model advanced it writes the
/// Pods, the ReplicaSet and the Deployment status. Objects are written only when they changed,
/// so resourceVersions move as they would on a real cluster.
public struct ClusterSync: Sendable {
    public let namespace: String
    public let deployment: String
    let store: ObjectStore
    let context: PodContext
    /// The lifecycle of each pod as last written, to skip unchanged writes.
    var writtenPods: [String: PodLifecycleKey] = [:]
    var writtenDeploymentStatus: JSONValue?
    var writtenReplicaSet: (replicas: Int, status: JSONValue)?
    var conditions: [TrackedCondition]
    /// Pods already reported unschedulable by a FailedScheduling event.
    var reportedUnschedulable: Set<String> = []
    static let manager = "headroom-testbed"

    /// The ReplicaSet's name: the Deployment's name and the pod-template-hash.
    public var replicaSetName: String { context.replicaSetName }

    public init(
        store: ObjectStore,
        namespace: String,
        deployment: String,
        parameters: FleetParameters,
        mapping: ModelTimeMapping
    ) {
        self.store = store
        self.namespace = namespace
        self.deployment = deployment
        let hash = Fleet.podTemplateHash(deployment)
        context = PodContext(
            namespace: namespace,
            deployment: deployment,
            templateHash: hash,
            replicaSetName: "\(deployment)-\(hash)",
            replicaSetUID: StableUID.of("replicaset/\(namespace)/\(deployment)-\(hash)"),
            containerName: "directus",
            readinessProbePeriod: parameters.lifecycle.readinessProbePeriod,
            terminationGracePeriod: parameters.lifecycle.terminationGracePeriod,
            nodeCount: 4,
            schedulingDelay: parameters.lifecycle.schedulingDelay,
            mapping: mapping
        )
        conditions = WorkloadStatus.initialConditions(time: Timestamps.seconds(mapping.wallStart))
        store.setReplicaMirroring(enabled: false)
    }

    // MARK: Setup

    /// Stores the Deployment with `replicas` and its ReplicaSet, replacing any of the same name.
    public mutating func createWorkload(replicas: Int) throws(TestbedError) {
        let labels: JSONValue = ["app": .string(deployment)]
        let template: JSONValue = [
            "metadata": ["labels": ["app": .string(deployment)]],
            "spec": ["containers": [["name": .string(context.containerName), "image": "directus/directus:11"]]],
        ]
        let created = Timestamps.seconds(context.mapping.wallStart)
        try seed([
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": [
                "name": .string(deployment), "namespace": .string(namespace), "labels": labels,
                "uid": .string(StableUID.of("deployment/\(namespace)/\(deployment)")),
                "creationTimestamp": .string(created),
            ],
            "spec": [
                "replicas": .int(replicas), "selector": ["matchLabels": labels], "template": template,
                "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]],
            ],
        ])
        var replicaSetLabels = labels
        replicaSetLabels["pod-template-hash"] = .string(context.templateHash)
        try seed([
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string(context.replicaSetName), "namespace": .string(namespace),
                "labels": replicaSetLabels, "uid": .string(context.replicaSetUID),
                "creationTimestamp": .string(created),
                "ownerReferences": [
                    [
                        "apiVersion": "apps/v1", "kind": "Deployment", "name": .string(deployment),
                        "uid": .string(StableUID.of("deployment/\(namespace)/\(deployment)")),
                        "controller": true, "blockOwnerDeletion": true,
                    ]
                ],
            ],
            "spec": ["replicas": .int(replicas), "selector": ["matchLabels": replicaSetLabels], "template": template],
        ])
        writtenReplicaSet = (replicas, [:])
    }

    private func seed(_ object: JSONValue) throws(TestbedError) {
        do {
            try store.seed(object)
        } catch {
            let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            throw .store(operation: "create", object: "\(object["kind"]?.stringValue ?? "") \(name)", failure: error)
        }
    }

    // MARK: Reading

    /// Reads the Deployment's `spec.replicas` (0 when the field is missing) and `metadata.generation`.
    public func readDeployment() throws(TestbedError) -> (replicas: Int, generation: Int) {
        do {
            let object = try store.get(ClusterResources.deployments, namespace: namespace, name: deployment)
            let replicas = object[path: ["spec", "replicas"]]?.intValue ?? 0
            return (max(0, replicas), object[path: ["metadata", "generation"]]?.intValue ?? 1)
        } catch {
            throw .store(operation: "read", object: "deployment \(namespace)/\(deployment)", failure: error)
        }
    }

    // MARK: Mirroring

    /// Writes the snapshot's pods and the workload status into the store. `generation` is the
    /// Deployment generation whose `spec.replicas` the model was last scaled to.
    public mutating func mirror(_ snapshot: FleetSnapshot, generation: Int) throws(TestbedError) {
        try mirrorPods(snapshot)
        let counts = ReplicaCounts(snapshot)
        try mirrorReplicaSet(counts: counts, desired: snapshot.desiredReplicas)
        try mirrorDeployment(counts: counts, desired: snapshot.desiredReplicas, generation: generation, snapshot)
    }

    private mutating func mirrorPods(_ snapshot: FleetSnapshot) throws(TestbedError) {
        var present: Set<String> = []
        for pod in snapshot.pods {
            present.insert(pod.name)
            // Only lifecycle fields reach the Pod object; skip rendering while they hold.
            let lifecycle = PodLifecycleKey(pod)
            guard writtenPods[pod.name] != lifecycle else { continue }
            let object = PodObject.render(pod, context: context)
            try seed(object)
            writtenPods[pod.name] = lifecycle
            if pod.unschedulable, pod.scheduledAt == nil, !reportedUnschedulable.contains(pod.name) {
                reportedUnschedulable.insert(pod.name)
                let message = object[path: ["status", "conditions"]]?.arrayValue?.first?["message"]?.stringValue ?? ""
                try recordEvent(
                    kind: "Pod",
                    name: pod.name,
                    uid: object[path: ["metadata", "uid"]]?.stringValue ?? "",
                    type: "Warning",
                    reason: "FailedScheduling",
                    message: message,
                    component: "default-scheduler",
                    time: snapshot.time
                )
            }
        }
        for name in writtenPods.keys where !present.contains(name) {
            writtenPods[name] = nil
            reportedUnschedulable.remove(name)
            do {
                _ = try store.delete(ClusterResources.pods, namespace: namespace, name: name)
            } catch  where error.code == 404 {
                continue  // Someone deleted it through the API already.
            } catch {
                throw .store(operation: "delete", object: "pod \(namespace)/\(name)", failure: error)
            }
        }
    }

    private mutating func mirrorReplicaSet(counts: ReplicaCounts, desired: Int) throws(TestbedError) {
        let status = WorkloadStatus.replicaSet(counts: counts, generation: 1)
        let previous = writtenReplicaSet
        if previous?.replicas != desired {
            try write(ClusterResources.replicaSets, context.replicaSetName, subresource: nil) {
                $0[path: ["spec", "replicas"]] = .int(desired)
            }
            if let before = previous?.replicas {
                let direction = desired > before ? "up" : "down"
                try recordEvent(
                    kind: "Deployment",
                    name: deployment,
                    uid: StableUID.of("deployment/\(namespace)/\(deployment)"),
                    type: "Normal",
                    reason: "ScalingReplicaSet",
                    message: "Scaled \(direction) replica set \(context.replicaSetName) from \(before) to \(desired)",
                    component: "deployment-controller",
                    time: nil
                )
            }
        }
        if previous?.status != status {
            try write(ClusterResources.replicaSets, context.replicaSetName, subresource: "status") {
                $0["status"] = status
            }
        }
        writtenReplicaSet = (desired, status)
    }

    private mutating func mirrorDeployment(
        counts: ReplicaCounts,
        desired: Int,
        generation: Int,
        _ snapshot: FleetSnapshot
    ) throws(TestbedError) {
        WorkloadStatus.updateConditions(
            &conditions,
            counts: counts,
            desired: desired,
            replicaSet: context.replicaSetName,
            time: Timestamps.seconds(context.mapping.wall(snapshot.time))
        )
        let status = WorkloadStatus.deployment(
            counts: counts,
            desired: desired,
            generation: generation,
            conditions: conditions
        )
        guard status != writtenDeploymentStatus else { return }
        try write(ClusterResources.deployments, deployment, subresource: "status") { $0["status"] = status }
        writtenDeploymentStatus = status
    }

    /// Reads the object, changes it and writes it back without a resourceVersion precondition:
    /// a status write replaces only the status, so it cannot undo a concurrent `spec` change.
    private func write(
        _ type: ResourceType,
        _ name: String,
        subresource: String?,
        change: (inout JSONValue) -> Void
    ) throws(TestbedError) {
        do {
            var object = try store.get(type, namespace: namespace, name: name)
            change(&object)
            object[path: ["metadata", "resourceVersion"]] = nil
            _ = try store.update(
                type,
                namespace: namespace,
                name: name,
                subresource: subresource,
                body: object,
                manager: Self.manager
            )
        } catch {
            throw .store(operation: "update", object: "\(type.qualifiedName) \(namespace)/\(name)", failure: error)
        }
    }

    private func recordEvent(
        kind: String,
        name: String,
        uid: String,
        type: String,
        reason: String,
        message: String,
        component: String,
        time: Double?
    ) throws(TestbedError) {
        let when = time.map { context.mapping.wall($0) } ?? Date()
        let stamp = Timestamps.seconds(when)
        let suffix = String(format: "%016llx", StableUID.hash("\(name)/\(reason)/\(message)/\(stamp)"))
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string("\(name).\(suffix)"), "namespace": .string(namespace)],
            "involvedObject": [
                "apiVersion": kind == "Pod" ? "v1" : "apps/v1", "kind": .string(kind), "name": .string(name),
                "namespace": .string(namespace), "uid": .string(uid),
            ],
            "type": .string(type), "reason": .string(reason), "message": .string(message),
            "source": ["component": .string(component)], "reportingComponent": .string(component),
            "firstTimestamp": .string(stamp), "lastTimestamp": .string(stamp), "count": 1,
        ]
        do {
            _ = try store.create(ClusterResources.events, namespace: namespace, object: event, manager: component)
        } catch  where error.reason == "AlreadyExists" {
            return  // The same event in the same second: once is enough.
        } catch {
            throw .store(operation: "create", object: "event \(reason) for \(kind) \(name)", failure: error)
        }
    }
}

/// The fields of a pod snapshot that its Pod object shows.
struct PodLifecycleKey: Sendable, Equatable {
    var phase: PodPhase
    var createdAt: Double
    var scheduledAt: Double?
    var startedAt: Double?
    var readyAt: Double?
    var deletedAt: Double?
    var unschedulable: Bool

    init(_ pod: PodSnapshot) {
        phase = pod.phase
        createdAt = pod.createdAt
        scheduledAt = pod.scheduledAt
        startedAt = pod.startedAt
        readyAt = pod.readyAt
        deletedAt = pod.deletedAt
        unschedulable = pod.unschedulable
    }
}
