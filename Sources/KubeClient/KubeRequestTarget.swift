/// The object of a request, in the terms RBAC uses: verb, API group, resource, subresource,
/// namespace and name. Errors carry it so messages name the object and the missing permission.
public struct KubeRequestTarget: Sendable, Equatable, CustomStringConvertible {
    /// RBAC verb: get, list, create, update, patch or delete.
    public var verb: String
    /// API group, empty for the core group.
    public var group: String
    /// Plural resource, such as `deployments`.
    public var resource: String
    public var subresource: String?
    public var namespace: String?
    public var name: String?

    public init(
        verb: String,
        group: String,
        resource: String,
        subresource: String? = nil,
        namespace: String?,
        name: String? = nil
    ) {
        self.verb = verb
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
    }

    /// The resource as RBAC rules write it, such as `deployments/scale`.
    public var rbacResource: String {
        subresource.map { "\(resource)/\($0)" } ?? resource
    }

    /// Such as `deployments/scale "api" in namespace "shop"`.
    public var description: String {
        var text = rbacResource
        if let name { text += " \"\(name)\"" }
        if let namespace { text += " in namespace \"\(namespace)\"" }
        return text
    }
}
