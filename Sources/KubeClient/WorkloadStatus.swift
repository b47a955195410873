import Foundation

/// The status of a Deployment or StatefulSet. Counters the API server leaves out read as 0.
public struct WorkloadStatus: Sendable, Equatable {
    public var generation: Int
    /// The generation the controller has processed; the counters are stale while it is lower
    /// than `generation`.
    public var observedGeneration: Int
    /// `spec.replicas`; a missing value reads as 1, the API server's default.
    public var specReplicas: Int
    public var replicas: Int
    public var readyReplicas: Int
    public var availableReplicas: Int
    public var updatedReplicas: Int
    /// `spec.selector.matchLabels`.
    public var matchLabels: [String: String]
    public var resourceVersion: String
    /// The last write of each field manager, one entry per manager and subresource.
    public var managedFields: [ManagedFieldsEntry]

    /// Whether the controller has caught up with the latest spec.
    public var isObserved: Bool { observedGeneration >= generation }
}

/// One `metadata.managedFields` entry: which field manager last wrote which subresource.
public struct ManagedFieldsEntry: Sendable, Equatable, Decodable {
    /// Such as `headroom` or `kubectl`.
    public var manager: String?
    /// `Update` or `Apply`.
    public var operation: String?
    /// `scale`, `status`, or `nil` for the main resource.
    public var subresource: String?
    /// When the manager last wrote, as RFC 3339 text.
    public var time: String?
    /// Whether this entry owns `spec.replicas`.
    public var ownsReplicas: Bool { fieldsV1?.spec?.replicas != nil }

    struct Fields: Sendable, Equatable, Decodable {
        struct Spec: Sendable, Equatable, Decodable {
            var replicas: Empty?
            enum CodingKeys: String, CodingKey { case replicas = "f:replicas" }
        }
        struct Empty: Sendable, Equatable, Decodable {}
        var spec: Spec?
        enum CodingKeys: String, CodingKey { case spec = "f:spec" }
    }
    var fieldsV1: Fields?
}

struct WorkloadWire: Decodable {
    struct Metadata: Decodable {
        var generation: Int?
        var resourceVersion: String?
        var managedFields: [ManagedFieldsEntry]?
    }
    struct Selector: Decodable { var matchLabels: [String: String]? }
    struct Spec: Decodable {
        var replicas: Int?
        var selector: Selector?
    }
    struct Status: Decodable {
        var observedGeneration: Int?
        var replicas: Int?
        var readyReplicas: Int?
        var availableReplicas: Int?
        var updatedReplicas: Int?
    }
    var metadata: Metadata?
    var spec: Spec?
    var status: Status?

    var value: WorkloadStatus {
        WorkloadStatus(
            generation: metadata?.generation ?? 0,
            observedGeneration: status?.observedGeneration ?? 0,
            specReplicas: spec?.replicas ?? 1,
            replicas: status?.replicas ?? 0,
            readyReplicas: status?.readyReplicas ?? 0,
            availableReplicas: status?.availableReplicas ?? 0,
            updatedReplicas: status?.updatedReplicas ?? 0,
            matchLabels: spec?.selector?.matchLabels ?? [:],
            resourceVersion: metadata?.resourceVersion ?? "",
            managedFields: metadata?.managedFields ?? []
        )
    }
}

/// A pod of a scale target, with what the autoscaler needs to count it.
public struct PodInfo: Sendable, Equatable {
    /// An owner reference, such as the ReplicaSet that created the pod.
    public struct Owner: Sendable, Equatable {
        public var kind: String
        public var name: String
        public var uid: String?
        public var isController: Bool
    }

    public var name: String
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String
    /// The `Ready` condition is `True`.
    public var isReady: Bool
    /// When the `Ready` condition last changed, if it is set.
    public var readySince: Date?
    /// When the kubelet acknowledged the pod.
    public var startTime: Date?
    /// Set once the pod is terminating.
    public var deletionTimestamp: Date?
    public var owners: [Owner]

    public var isTerminating: Bool { deletionTimestamp != nil }
}

struct PodListWire: Decodable {
    struct Pod: Decodable {
        struct Metadata: Decodable {
            struct OwnerReference: Decodable {
                var kind: String?
                var name: String?
                var uid: String?
                var controller: Bool?
            }
            var name: String?
            var deletionTimestamp: String?
            var ownerReferences: [OwnerReference]?
        }
        struct Status: Decodable {
            struct Condition: Decodable {
                var type: String?
                var status: String?
                var lastTransitionTime: String?
            }
            var phase: String?
            var startTime: String?
            var conditions: [Condition]?
        }
        var metadata: Metadata?
        var status: Status?
    }
    var items: [Pod]?
}

extension PodListWire.Pod {
    var value: PodInfo {
        let ready = status?.conditions?.first { $0.type == "Ready" }
        return PodInfo(
            name: metadata?.name ?? "",
            phase: status?.phase ?? "Unknown",
            isReady: ready?.status == "True",
            readySince: ready?.status == "True" ? ready?.lastTransitionTime.flatMap(KubeTime.parse) : nil,
            startTime: status?.startTime.flatMap(KubeTime.parse),
            deletionTimestamp: metadata?.deletionTimestamp.flatMap(KubeTime.parse),
            owners: (metadata?.ownerReferences ?? []).map {
                PodInfo.Owner(
                    kind: $0.kind ?? "",
                    name: $0.name ?? "",
                    uid: $0.uid,
                    isController: $0.controller ?? false
                )
            }
        )
    }
}
