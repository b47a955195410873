/// A workload's state as the loop reads it before deciding.
public struct WorkloadState: Sendable, Equatable {
    /// `spec.replicas`; a missing value reads as 0, as the scale subresource omits 0.
    public var specReplicas: Int
    /// `status.readyReplicas`: pods that are Ready, the base of ratio rules.
    public var readyReplicas: Int
    /// The resourceVersion read with `specReplicas`, sent back as the write's precondition.
    public var resourceVersion: String
    /// The pods the workload's selector matches, or `nil` when they were not read; then the
    /// engine counts from `readyReplicas` alone.
    public var pods: [PodState]?
    /// `metadata.annotations`, where operators pause or pin a target.
    public var annotations: [String: String]
    /// The field manager that last wrote `spec.replicas`, from `managedFields`, if known.
    public var replicasManager: String?
    /// The HorizontalPodAutoscaler that scales this workload, if one does.
    public var horizontalPodAutoscaler: String?

    public init(
        specReplicas: Int,
        readyReplicas: Int,
        resourceVersion: String,
        pods: [PodState]? = nil,
        annotations: [String: String] = [:],
        replicasManager: String? = nil,
        horizontalPodAutoscaler: String? = nil
    ) {
        self.specReplicas = specReplicas
        self.readyReplicas = readyReplicas
        self.resourceVersion = resourceVersion
        self.pods = pods
        self.annotations = annotations
        self.replicasManager = replicasManager
        self.horizontalPodAutoscaler = horizontalPodAutoscaler
    }
}

/// The result of a replica write with a resourceVersion precondition.
public enum ScaleWriteResult: Sendable, Equatable {
    case written
    /// The server returned 409 Conflict because the object changed since it was read.
    case conflict
}

/// Reads workloads and writes their replica count through the Kubernetes API.
///
/// Errors other than a precondition conflict are thrown, with a description written for an
/// operator (the server's reason, and the missing RBAC permission on a 403).
public protocol WorkloadScaler: Sendable {
    func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState
    /// Sets `spec.replicas` to `replicas` only if the object still has `resourceVersion`.
    func writeReplicas(_ replicas: Int, to target: TargetPolicy, resourceVersion: String) async throws
        -> ScaleWriteResult
}
