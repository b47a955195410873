/// The kind of workload a target scales through its `scale` subresource.
public enum WorkloadKind: String, Sendable, Codable, CaseIterable {
    case deployment = "Deployment"
    case statefulSet = "StatefulSet"
}
