import KubeTestServer

/// The resource types the testbed writes. They are part of `ResourceType.all`; a missing one is
/// a programming error.
enum ClusterResources {
    static let pods = find("v1", "pods")
    static let events = find("v1", "events")
    static let deployments = find("apps/v1", "deployments")
    static let replicaSets = find("apps/v1", "replicasets")

    private static func find(_ groupVersion: String, _ name: String) -> ResourceType {
        guard let type = ResourceType.find(groupVersion: groupVersion, name: name) else {
            preconditionFailure("the API test server does not serve \(name) in \(groupVersion)")
        }
        return type
    }
}
