import Foundation

/// A pod of a scale target, with what the autoscaler needs to count it.
public struct PodInfo: Sendable, Equatable {
    /// An owner reference, such as the ReplicaSet that created the pod.
    public struct Owner: Sendable, Equatable {
        public var kind: String
        public var name: String
        public var uid: String?
        public var isController: Bool

        public init(kind: String, name: String, uid: String? = nil, isController: Bool) {
            self.kind = kind
            self.name = name
            self.uid = uid
            self.isController = isController
        }
    }

    /// A `PodScheduled` condition whose status is `False`: the scheduler tried and could not
    /// place the pod, so it stays Pending until the cluster changes.
    public struct SchedulingFailure: Sendable, Equatable {
        /// Such as `Unschedulable` or `SchedulerError`; `nil` when the condition has none.
        public var reason: String?
        /// Such as `0/3 nodes are available: 3 Insufficient cpu.`; `nil` when the condition has none.
        public var message: String?
        /// The condition's `lastTransitionTime`: when the scheduler first gave up.
        public var since: Date?

        public init(reason: String? = nil, message: String? = nil, since: Date? = nil) {
            self.reason = reason
            self.message = message
            self.since = since
        }

        /// `reason: message`, or whichever of the two is set, as `kubectl describe` shows the
        /// `FailedScheduling` Event. A condition with neither still reports that scheduling failed.
        public var summary: String {
            let parts = [reason, message].compactMap { $0 }.filter { !$0.isEmpty }
            return parts.isEmpty ? "PodScheduled is False" : parts.joined(separator: ": ")
        }
    }

    public var name: String
    /// `metadata.labels`, which carry the Deployment's `pod-template-hash`.
    public var labels: [String: String]
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String
    /// The `Ready` condition is `True`.
    public var isReady: Bool
    /// When the `Ready` condition last changed, if it is set.
    public var readySince: Date?
    /// `metadata.creationTimestamp`: when the API server stored the pod, before scheduling.
    public var creationTimestamp: Date?
    /// When the kubelet acknowledged the pod.
    public var startTime: Date?
    /// Set once the pod is terminating.
    public var deletionTimestamp: Date?
    /// The scheduler's reason while `PodScheduled` is `False`; `nil` once scheduled or before
    /// the scheduler has tried.
    public var schedulingFailure: SchedulingFailure?
    public var owners: [Owner]

    public init(
        name: String,
        labels: [String: String] = [:],
        phase: String,
        isReady: Bool,
        readySince: Date? = nil,
        creationTimestamp: Date? = nil,
        startTime: Date? = nil,
        deletionTimestamp: Date? = nil,
        schedulingFailure: SchedulingFailure? = nil,
        owners: [Owner] = []
    ) {
        self.name = name
        self.labels = labels
        self.phase = phase
        self.isReady = isReady
        self.readySince = readySince
        self.creationTimestamp = creationTimestamp
        self.startTime = startTime
        self.deletionTimestamp = deletionTimestamp
        self.schedulingFailure = schedulingFailure
        self.owners = owners
    }

    public var isTerminating: Bool { deletionTimestamp != nil }

    /// The owner reference with `controller: true`; Kubernetes allows at most one.
    public var controller: Owner? { owners.first { $0.isController } }
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
            var labels: [String: String]?
            var creationTimestamp: String?
            var deletionTimestamp: String?
            var ownerReferences: [OwnerReference]?
        }
        struct Status: Decodable {
            struct Condition: Decodable {
                var type: String?
                var status: String?
                var reason: String?
                var message: String?
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
        let ready = condition("Ready")
        let scheduled = condition("PodScheduled")
        let failure = scheduled.flatMap { scheduled in
            scheduled.status == "False"
                ? PodInfo.SchedulingFailure(
                    reason: scheduled.reason,
                    message: scheduled.message,
                    since: scheduled.lastTransitionTime.flatMap(KubeTime.parse)
                )
                : nil
        }
        return PodInfo(
            name: metadata?.name ?? "",
            labels: metadata?.labels ?? [:],
            phase: status?.phase ?? "Unknown",
            isReady: ready?.status == "True",
            readySince: ready?.status == "True" ? ready?.lastTransitionTime.flatMap(KubeTime.parse) : nil,
            creationTimestamp: metadata?.creationTimestamp.flatMap(KubeTime.parse),
            startTime: status?.startTime.flatMap(KubeTime.parse),
            deletionTimestamp: metadata?.deletionTimestamp.flatMap(KubeTime.parse),
            schedulingFailure: failure,
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

    /// Returns the first condition of `type`. The API server merges conditions by type, so a pod
    /// has at most one of each.
    private func condition(_ type: String) -> Status.Condition? {
        status?.conditions?.first { $0.type == type }
    }
}
