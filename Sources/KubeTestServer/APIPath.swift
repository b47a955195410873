/// A resource request path split into its parts.
///
/// Accepted shapes: `/api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]` and the
/// same under `/apis/{group}/{version}`.
public struct APIPath: Sendable, Hashable {
    public var type: ResourceType
    public var namespace: String?
    public var name: String?
    public var subresource: String?

    /// The RBAC resource string, such as `deployments/scale`.
    public var rbacResource: String {
        subresource.map { "\(type.name)/\($0)" } ?? type.name
    }

    /// Parses `path`; `nil` when it names no served resource type.
    public init?(_ path: String) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let groupVersion: String
        if parts.first == "api", parts.count >= 2 {
            groupVersion = parts[1]
            parts.removeFirst(2)
        } else if parts.first == "apis", parts.count >= 3 {
            groupVersion = "\(parts[1])/\(parts[2])"
            parts.removeFirst(3)
        } else {
            return nil
        }
        var namespace: String?
        if parts.count >= 3, parts[0] == "namespaces" {
            namespace = parts[1]
            parts.removeFirst(2)
        }
        guard (1...3).contains(parts.count),
            let type = ResourceType.find(groupVersion: groupVersion, name: parts[0])
        else { return nil }
        self.type = type
        self.namespace = namespace
        self.name = parts.count >= 2 ? parts[1] : nil
        self.subresource = parts.count == 3 ? parts[2] : nil
        if let subresource, !type.subresources.contains(subresource) { return nil }
    }
}
