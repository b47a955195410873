import Foundation

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
