/// One RBAC rule: the listed verbs on the listed resources (`deployments/scale` names a
/// subresource) in the listed API groups. `*` matches anything; an empty `namespaces` list
/// matches every namespace.
public struct RBACRule: Sendable, Codable, Hashable {
    public var apiGroups: [String]
    public var resources: [String]
    public var verbs: [String]
    public var namespaces: [String]

    public init(apiGroups: [String], resources: [String], verbs: [String], namespaces: [String] = []) {
        self.apiGroups = apiGroups
        self.resources = resources
        self.verbs = verbs
        self.namespaces = namespaces
    }

    private enum CodingKeys: String, CodingKey {
        case apiGroups, resources, verbs, namespaces
    }

    /// Decodes a rule; a missing `namespaces` key means every namespace.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        apiGroups = try container.decode([String].self, forKey: .apiGroups)
        resources = try container.decode([String].self, forKey: .resources)
        verbs = try container.decode([String].self, forKey: .verbs)
        namespaces = try container.decodeIfPresent([String].self, forKey: .namespaces) ?? []
    }

    /// Returns whether this rule grants `verb` on `resource` of `group` in `namespace` (`nil` for
    /// cluster-scoped resources and requests across all namespaces).
    public func allows(verb: String, group: String, resource: String, namespace: String?) -> Bool {
        func matches(_ list: [String], _ value: String) -> Bool { list.contains("*") || list.contains(value) }
        let namespaceMatches = namespaces.isEmpty || namespace.map { matches(namespaces, $0) } == true
        return matches(verbs, verb) && matches(apiGroups, group) && matches(resources, resource)
            && namespaceMatches
    }
}
