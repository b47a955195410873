import FleetModel
import Foundation
import KubeTestServer

/// The fields every Pod object of the Deployment shares: namespace, owner, probe and grace
/// settings, and the mapping of model seconds to timestamps.
struct PodContext: Sendable {
    var namespace: String
    var deployment: String
    var templateHash: String
    var replicaSetName: String
    var replicaSetUID: String
    var containerName: String
    var readinessProbePeriod: Double
    var terminationGracePeriod: Double
    /// Nodes the cluster has; the message of an unschedulable pod names their count.
    var nodeCount: Int
    /// Seconds from creation to the scheduler's first attempt, when an unschedulable pod's
    /// `PodScheduled` condition turns `False`.
    var schedulingDelay: Double
    var mapping: ModelTimeMapping

    func timestamp(_ modelSeconds: Double) -> JSONValue {
        .string(Timestamps.seconds(mapping.wall(modelSeconds)))
    }
}

/// Renders a pod of the model as the core/v1 Pod object the kubelet and scheduler would leave in
/// the API: phase, conditions, container status and deletion fields follow the model's
/// lifecycle times.
enum PodObject {
    static func render(_ pod: PodSnapshot, context: PodContext) -> JSONValue {
        var metadata: JSONValue = [
            "name": .string(pod.name),
            "namespace": .string(context.namespace),
            "uid": .string(StableUID.of("pod/\(context.namespace)/\(pod.name)")),
            "labels": ["app": .string(context.deployment), "pod-template-hash": .string(context.templateHash)],
            "creationTimestamp": context.timestamp(pod.createdAt),
            "ownerReferences": [
                [
                    "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": .string(context.replicaSetName),
                    "uid": .string(context.replicaSetUID), "controller": true, "blockOwnerDeletion": true,
                ]
            ],
        ]
        if let deletedAt = pod.deletedAt {
            // The API server sets deletionTimestamp to the end of the grace period.
            metadata["deletionTimestamp"] = context.timestamp(deletedAt + context.terminationGracePeriod)
            metadata["deletionGracePeriodSeconds"] = .int(Int(context.terminationGracePeriod.rounded()))
        }

        var spec: JSONValue = [
            "containers": [
                [
                    "name": .string(context.containerName), "image": "directus/directus:11",
                    "ports": [["containerPort": 8055, "protocol": "TCP"]],
                    // The startup probe is what makes `started` mean "listening" in the status.
                    "startupProbe": [
                        "httpGet": ["path": "/server/ping", "port": 8055],
                        "periodSeconds": 1, "failureThreshold": 300,
                    ],
                    "readinessProbe": [
                        "httpGet": ["path": "/server/ping", "port": 8055],
                        "periodSeconds": .int(Int(context.readinessProbePeriod.rounded())),
                    ],
                ]
            ],
            "terminationGracePeriodSeconds": .int(Int(context.terminationGracePeriod.rounded())),
        ]
        if pod.scheduledAt != nil { spec["nodeName"] = .string(nodeName(of: pod.name)) }

        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": metadata,
            "spec": spec,
            "status": status(pod, context: context),
        ]
    }

    /// Picks one of four nodes from the pod name, so a pod keeps its node across ticks.
    static func nodeName(of pod: String) -> String {
        "testbed-node-\(StableUID.hash(pod) % 4 + 1)"
    }

    private static func status(_ pod: PodSnapshot, context: PodContext) -> JSONValue {
        guard let scheduledAt = pod.scheduledAt else {
            var status: JSONValue = ["phase": "Pending", "qosClass": "Burstable"]
            if pod.unschedulable {
                let nodes = context.nodeCount
                status["conditions"] = [
                    condition(
                        "PodScheduled",
                        false,
                        at: context.timestamp(pod.createdAt + context.schedulingDelay),
                        reason: "Unschedulable",
                        message: "0/\(nodes) nodes are available: \(nodes) Insufficient cpu. preemption: "
                            + "0/\(nodes) nodes are available: \(nodes) No preemption victims found for "
                            + "incoming pod."
                    )
                ]
            }
            return status
        }

        let scheduled = context.timestamp(scheduledAt)
        let ready = pod.phase == .ready && pod.readyAt != nil
        let readySince: JSONValue
        if let deletedAt = pod.deletedAt {
            readySince = context.timestamp(deletedAt)
        } else if ready, let readyAt = pod.readyAt {
            readySince = context.timestamp(readyAt)
        } else {
            readySince = scheduled
        }
        // The model's startup time is the application's boot: the container runs from
        // scheduling (the image is cached), and the startup probe passes once it listens.
        // The snapshot's `startedAt` is set once that time is reached.
        let listening = pod.startedAt != nil
        let container: JSONValue = [
            "name": .string(context.containerName), "image": "directus/directus:11",
            "ready": .bool(ready), "started": .bool(listening), "restartCount": 0,
            "state": ["running": ["startedAt": scheduled]],
        ]
        let unready = ready ? nil : "containers with unready status: [\(context.containerName)]"
        let unreadyReason = ready ? nil : "ContainersNotReady"
        return [
            "phase": "Running",
            "qosClass": "Burstable",
            "hostIP": "127.0.0.1",
            "podIP": "127.0.0.1",
            "startTime": scheduled,
            "conditions": [
                condition("PodReadyToStartContainers", true, at: scheduled),
                condition("Initialized", true, at: scheduled),
                condition("Ready", ready, at: readySince, reason: unreadyReason, message: unready),
                condition("ContainersReady", ready, at: readySince, reason: unreadyReason, message: unready),
                condition("PodScheduled", true, at: scheduled),
            ],
            "containerStatuses": [container],
        ]
    }

    private static func condition(
        _ type: String,
        _ status: Bool,
        at time: JSONValue,
        reason: String? = nil,
        message: String? = nil
    ) -> JSONValue {
        var condition: JSONValue = [
            "type": .string(type), "status": status ? "True" : "False",
            "lastProbeTime": .null, "lastTransitionTime": time,
        ]
        if let reason { condition["reason"] = .string(reason) }
        if let message { condition["message"] = .string(message) }
        return condition
    }
}

/// Deterministic uids and hashes, so that a pod keeps its uid across the ticks that rewrite it
/// and two runs with the same seed write the same objects.
enum StableUID {
    /// FNV-1a 64 of `text`.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// Derives a uid in the version-4 layout from `text`.
    static func of(_ text: String) -> String {
        let high = hash(text)
        let low = hash("uid:" + text)
        let digits = String(format: "%016llx%016llx", high, low)
        let characters = Array(digits)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return "\(part(0..<8))-\(part(8..<12))-4\(part(13..<16))-a\(part(17..<20))-\(part(20..<32))"
    }
}
