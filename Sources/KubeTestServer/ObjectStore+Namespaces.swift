import Foundation

extension ObjectStore {
    /// Lists the namespaces, sorted by name: those seeded as Namespace objects, every namespace
    /// that a stored object lives in, and `default`, which always exists.
    public func namespaces() -> [JSONValue] {
        let (seeded, used) = state.withLock { state in
            let seeded = state.objects.filter { $0.key.storage == "namespaces" }.map(\.value)
            let used = Set(state.objects.keys.filter { $0.storage != "namespaces" }.map(\.namespace))
            return (seeded, used)
        }
        var byName: [String: JSONValue] = [:]
        for name in used.union(["default"]) where !name.isEmpty {
            byName[name] = Self.namespace(name)
        }
        for object in seeded {
            if let name = object[path: ["metadata", "name"]]?.stringValue { byName[name] = object }
        }
        return byName.keys.sorted().compactMap { byName[$0] }
    }

    /// Builds an active Namespace object as the API server shows one.
    static func namespace(_ name: String) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": ["name": .string(name), "labels": ["kubernetes.io/metadata.name": .string(name)]],
            "spec": ["finalizers": ["kubernetes"]],
            "status": ["phase": "Active"],
        ]
    }
}
