/// A resource type the test server serves, with what discovery reports about it.
public struct ResourceType: Sendable, Hashable {
    /// API group, empty for the core group.
    public let group: String
    public let version: String
    /// Plural resource name as in URLs, such as `deployments`.
    public let name: String
    public let singularName: String
    public let kind: String
    public let shortNames: [String]
    /// Subresources such as `scale` and `status`.
    public let subresources: [String]
    /// Resource name whose objects this type shows: events.k8s.io events read core events.
    public let storageName: String
    /// Whether objects live in a namespace; namespaces themselves do not.
    public var namespaced = true
    /// The verbs served, as discovery lists them.
    public var verbs = ResourceType.verbs

    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The resource with its group for messages, such as `deployments.apps` or `pods`.
    public var qualifiedName: String { group.isEmpty ? name : "\(name).\(group)" }

    /// The store key: core and events.k8s.io events share one store.
    public var storageKey: String { storageName }

    static let verbs = ["create", "delete", "get", "list", "patch", "update"]

    /// Every resource type served, in discovery order.
    public static let all: [ResourceType] = [
        ResourceType(
            group: "",
            version: "v1",
            name: "namespaces",
            singularName: "namespace",
            kind: "Namespace",
            shortNames: ["ns"],
            subresources: [],
            storageName: "namespaces",
            namespaced: false,
            verbs: ["get", "list"]
        ),
        ResourceType(
            group: "",
            version: "v1",
            name: "pods",
            singularName: "pod",
            kind: "Pod",
            shortNames: ["po"],
            subresources: ["status"],
            storageName: "pods"
        ),
        ResourceType(
            group: "",
            version: "v1",
            name: "events",
            singularName: "event",
            kind: "Event",
            shortNames: ["ev"],
            subresources: [],
            storageName: "events"
        ),
        ResourceType(
            group: "apps",
            version: "v1",
            name: "deployments",
            singularName: "deployment",
            kind: "Deployment",
            shortNames: ["deploy"],
            subresources: ["scale", "status"],
            storageName: "deployments"
        ),
        ResourceType(
            group: "apps",
            version: "v1",
            name: "replicasets",
            singularName: "replicaset",
            kind: "ReplicaSet",
            shortNames: ["rs"],
            subresources: ["scale", "status"],
            storageName: "replicasets"
        ),
        ResourceType(
            group: "apps",
            version: "v1",
            name: "statefulsets",
            singularName: "statefulset",
            kind: "StatefulSet",
            shortNames: ["sts"],
            subresources: ["scale", "status"],
            storageName: "statefulsets"
        ),
        ResourceType(
            group: "autoscaling",
            version: "v2",
            name: "horizontalpodautoscalers",
            singularName: "horizontalpodautoscaler",
            kind: "HorizontalPodAutoscaler",
            shortNames: ["hpa"],
            subresources: ["status"],
            storageName: "horizontalpodautoscalers"
        ),
        ResourceType(
            group: "coordination.k8s.io",
            version: "v1",
            name: "leases",
            singularName: "lease",
            kind: "Lease",
            shortNames: [],
            subresources: [],
            storageName: "leases"
        ),
        ResourceType(
            group: "events.k8s.io",
            version: "v1",
            name: "events",
            singularName: "event",
            kind: "Event",
            shortNames: ["ev"],
            subresources: [],
            storageName: "events"
        ),
    ]

    /// Finds the type served at `groupVersion` under `name`.
    public static func find(groupVersion: String, name: String) -> ResourceType? {
        all.first { $0.groupVersion == groupVersion && $0.name == name }
    }

    /// Finds the type for an object's `apiVersion` and `kind`.
    public static func find(apiVersion: String, kind: String) -> ResourceType? {
        all.first { $0.groupVersion == apiVersion && $0.kind == kind }
    }

    /// The group versions served, grouped by API group, in discovery order.
    static var groupVersions: [(group: String, versions: [String])] {
        var result: [(group: String, versions: [String])] = []
        for type in all where !type.group.isEmpty {
            if let index = result.firstIndex(where: { $0.group == type.group }) {
                if !result[index].versions.contains(type.version) {
                    result[index].versions.append(type.version)
                }
            } else {
                result.append((type.group, [type.version]))
            }
        }
        return result
    }
}
