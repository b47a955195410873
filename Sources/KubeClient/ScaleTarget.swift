/// A workload whose replica count is set through the `scale` subresource.
public struct ScaleTarget: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case deployment = "Deployment"
        case statefulSet = "StatefulSet"

        /// The plural resource in URLs and RBAC rules.
        public var resource: String {
            switch self {
            case .deployment: "deployments"
            case .statefulSet: "statefulsets"
            }
        }
    }

    public var kind: Kind
    public var namespace: String
    public var name: String

    public init(kind: Kind, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// Such as `Deployment shop/api`.
    public var description: String { "\(kind.rawValue) \(namespace)/\(name)" }

    /// The object path, such as `/apis/apps/v1/namespaces/shop/deployments/api`.
    var path: String {
        "/apis/apps/v1/namespaces/\(KubeClient.segment(namespace))/\(kind.resource)/\(KubeClient.segment(name))"
    }

    func target(verb: String, subresource: String? = nil) -> KubeRequestTarget {
        KubeRequestTarget(
            verb: verb,
            group: "apps",
            resource: kind.resource,
            subresource: subresource,
            namespace: namespace,
            name: name
        )
    }
}

/// The `autoscaling/v1` Scale of a target.
public struct Scale: Sendable, Equatable {
    /// `spec.replicas`; the API server leaves the key out when it is 0, so missing reads as 0.
    public var specReplicas: Int
    /// `status.replicas`: pods the controller counts now.
    public var statusReplicas: Int
    /// `status.selector` in query syntax, such as `app=api,tier=web`; empty when none.
    public var selector: String
    /// The precondition for a write based on this read.
    public var resourceVersion: String
    public var uid: String?
}

struct ScaleWire: Codable {
    struct Metadata: Codable {
        var name: String?
        var namespace: String?
        var uid: String?
        var resourceVersion: String?
    }
    struct Spec: Codable { var replicas: Int? }
    struct Status: Codable {
        var replicas: Int?
        var selector: String?
    }
    var metadata: Metadata?
    var spec: Spec?
    var status: Status?
}
