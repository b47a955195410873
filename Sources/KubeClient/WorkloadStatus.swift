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
    /// `spec.selector.matchExpressions`, in the workload's order.
    public var matchExpressions: [LabelSelectorRequirement] = []
    public var resourceVersion: String
    /// The last write of each field manager, one entry per manager and subresource.
    public var managedFields: [ManagedFieldsEntry]
    /// `metadata.uid`, which Events carry so `kubectl describe` finds them; `nil` when absent.
    public var uid: String? = nil
    /// `metadata.annotations`.
    public var annotations: [String: String] = [:]

    /// The field manager that last wrote `spec.replicas`, by the newest `managedFields` entry
    /// that owns it; `nil` when no entry does.
    public var replicasManager: String? {
        managedFields.filter(\.ownsReplicas).max { ($0.time ?? "") < ($1.time ?? "") }?.manager
    }

    /// Whether the controller has caught up with the latest spec.
    public var isObserved: Bool { observedGeneration >= generation }
}

struct WorkloadWire: Decodable {
    struct Metadata: Decodable {
        var generation: Int?
        var resourceVersion: String?
        var uid: String?
        var managedFields: [ManagedFieldsEntry]?
        var annotations: [String: String]?
    }
    struct Selector: Decodable {
        struct Requirement: Decodable {
            var key: String?
            var `operator`: String?
            var values: [String]?
        }
        var matchLabels: [String: String]?
        var matchExpressions: [Requirement]?
    }
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
            matchExpressions: (spec?.selector?.matchExpressions ?? []).map {
                LabelSelectorRequirement(key: $0.key ?? "", operator: $0.operator ?? "", values: $0.values ?? [])
            },
            resourceVersion: metadata?.resourceVersion ?? "",
            managedFields: metadata?.managedFields ?? [],
            uid: metadata?.uid,
            annotations: metadata?.annotations ?? [:]
        )
    }
}
