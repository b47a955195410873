/// The discovery documents kubectl reads before it sends a resource request.
///
/// kubectl first requests aggregated discovery (`as=APIGroupDiscoveryList`) but also accepts
/// plain `application/json`, which these documents are. It then reads each group version.
enum Discovery {
    /// Builds the `/version` document reporting `gitVersion`, such as `v1.32.4`.
    static func version(_ gitVersion: String) -> JSONValue {
        let numbers = gitVersion.dropFirst().split(separator: ".")
        return [
            "major": .string(numbers.first.map(String.init) ?? "1"),
            "minor": .string(numbers.count > 1 ? String(numbers[1]) : "0"),
            "gitVersion": .string(gitVersion), "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23.6",
            "compiler": "gc", "platform": "linux/amd64",
        ]
    }

    static func coreVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    static func group(_ name: String, versions: [String]) -> JSONValue {
        let entries: [JSONValue] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return [
            "kind": "APIGroup", "apiVersion": "v1", "name": .string(name), "versions": .array(entries),
            "preferredVersion": entries.first ?? [:],
        ]
    }

    static var groupList: JSONValue {
        let groups = ResourceType.groupVersions.map { group($0.group, versions: $0.versions) }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    /// Builds the APIResourceList of `groupVersion`, or `nil` when the server does not serve it.
    static func resourceList(_ groupVersion: String) -> JSONValue? {
        let types = ResourceType.all.filter { $0.groupVersion == groupVersion }
        guard !types.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for type in types {
            let verbs = JSONValue.array(type.verbs.map { .string($0) })
            resources.append([
                "name": .string(type.name), "singularName": .string(type.singularName),
                "namespaced": .bool(type.namespaced),
                "kind": .string(type.kind), "verbs": verbs,
                "shortNames": .array(type.shortNames.map { .string($0) }),
            ])
            for subresource in type.subresources {
                var entry: JSONValue = [
                    "name": .string("\(type.name)/\(subresource)"), "singularName": "", "namespaced": true,
                    "kind": .string(type.kind), "verbs": ["get", "patch", "update"],
                ]
                if subresource == "scale" {
                    entry["group"] = "autoscaling"
                    entry["version"] = "v1"
                    entry["kind"] = "Scale"
                }
                resources.append(entry)
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
            "resources": .array(resources),
        ]
    }
}
