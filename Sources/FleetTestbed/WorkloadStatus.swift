import FleetModel
import KubeTestServer

/// The replica counts the Deployment and ReplicaSet controllers would report for a snapshot.
struct ReplicaCounts: Sendable, Equatable {
    /// Pods not terminating (Pending, starting or Ready): `status.replicas`.
    var replicas: Int
    var ready: Int
    /// Ready pods; the testbed's Deployment has `minReadySeconds: 0`, so available = ready.
    var available: Int
    var terminating: Int

    init(_ snapshot: FleetSnapshot) {
        terminating = snapshot.count(.terminating)
        replicas = snapshot.pods.count - terminating
        ready = snapshot.count(.ready)
        available = ready
    }
}

/// A status condition whose `lastTransitionTime` stays put while its status holds, as the
/// controllers keep it.
struct TrackedCondition: Sendable, Equatable {
    var type: String
    var status: Bool
    var reason: String
    var message: String
    var lastTransitionTime: String
    var lastUpdateTime: String

    /// Moves to the new state at `time`: the transition time changes only with the status, the
    /// update time whenever reason or message change.
    mutating func update(status: Bool, reason: String, message: String, time: String) {
        if status != self.status { lastTransitionTime = time }
        if status != self.status || reason != self.reason || message != self.message { lastUpdateTime = time }
        self.status = status
        self.reason = reason
        self.message = message
    }

    var json: JSONValue {
        [
            "type": .string(type), "status": status ? "True" : "False", "reason": .string(reason),
            "message": .string(message), "lastTransitionTime": .string(lastTransitionTime),
            "lastUpdateTime": .string(lastUpdateTime),
        ]
    }
}

/// Builds Deployment and ReplicaSet status objects. Counters that are 0 are left out, as the
/// API server leaves out these `omitempty` fields.
enum WorkloadStatus {
    /// Pods the rolling-update strategy's default `maxUnavailable: 25%` allows to be missing
    /// before the Deployment loses the Available condition (rounded down, as Kubernetes does).
    static func maxUnavailable(desired: Int) -> Int { desired / 4 }

    static func deployment(
        counts: ReplicaCounts,
        desired: Int,
        generation: Int,
        conditions: [TrackedCondition]
    ) -> JSONValue {
        var status: JSONValue = ["observedGeneration": .int(generation)]
        let unavailable = max(0, desired - counts.available)
        let counters = [
            ("replicas", counts.replicas), ("updatedReplicas", counts.replicas), ("readyReplicas", counts.ready),
            ("availableReplicas", counts.available), ("unavailableReplicas", unavailable),
        ]
        for (key, value) in counters where value != 0 { status[key] = .int(value) }
        status["conditions"] = .array(conditions.map(\.json))
        return status
    }

    static func replicaSet(counts: ReplicaCounts, generation: Int) -> JSONValue {
        var status: JSONValue = ["observedGeneration": .int(generation), "replicas": .int(counts.replicas)]
        let counters = [
            ("fullyLabeledReplicas", counts.replicas), ("readyReplicas", counts.ready),
            ("availableReplicas", counts.available),
        ]
        for (key, value) in counters where value != 0 { status[key] = .int(value) }
        return status
    }

    /// Updates the Available and Progressing conditions for `counts` against `desired`.
    static func updateConditions(
        _ conditions: inout [TrackedCondition],
        counts: ReplicaCounts,
        desired: Int,
        replicaSet: String,
        time: String
    ) {
        let available = counts.available >= desired - maxUnavailable(desired: desired)
        let complete = counts.available >= desired && counts.replicas == desired
        for index in conditions.indices {
            switch conditions[index].type {
            case "Available":
                conditions[index].update(
                    status: available,
                    reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    message: available
                        ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                    time: time
                )
            default:
                conditions[index].update(
                    status: true,
                    reason: complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                    message: complete
                        ? "ReplicaSet \"\(replicaSet)\" has successfully progressed."
                        : "ReplicaSet \"\(replicaSet)\" is progressing.",
                    time: time
                )
            }
        }
    }

    static func initialConditions(time: String) -> [TrackedCondition] {
        ["Available", "Progressing"].map {
            TrackedCondition(
                type: $0,
                status: false,
                reason: "",
                message: "",
                lastTransitionTime: time,
                lastUpdateTime: time
            )
        }
    }
}
