import Foundation
import Synchronization

/// The objects of the test server, keyed by storage name, namespace and name.
///
/// Every write bumps one global resourceVersion counter, as etcd's revision does. Objects are
/// stored in the form of their storage type (core/v1 for Events) and converted on the way out.
public final class ObjectStore: Sendable {
    struct Key: Hashable {
        var storage: String
        var namespace: String
        var name: String
    }

    struct State {
        var objects: [Key: JSONValue] = [:]
        var revision = 1000
        var mirrorsReplicas = true
        var mirrorDelay: Duration = .zero
    }

    let state = Mutex(State())

    public init() {}

    /// Copies each write of `spec.replicas` to the status counters (after `delay`) when `enabled`.
    public func setReplicaMirroring(enabled: Bool, delay: Duration = .zero) {
        state.withLock {
            $0.mirrorsReplicas = enabled
            $0.mirrorDelay = delay
        }
    }

    /// The current revision, returned as the resourceVersion of lists.
    public var revision: Int { state.withLock { $0.revision } }

    /// Reads the object `name` in the form `type` serves.
    public func get(_ type: ResourceType, namespace: String, name: String) throws(APIFailure) -> JSONValue {
        let key = Key(storage: type.storageKey, namespace: namespace, name: name)
        guard let object = state.withLock({ $0.objects[key] }) else {
            throw .notFound(type, name: name)
        }
        return EventConversion.view(object, as: type)
    }

    /// Lists the objects of `type` in `namespace` (every namespace when `nil`), sorted by namespace and
    /// name, with the list's resourceVersion.
    public func list(_ type: ResourceType, namespace: String?) -> (items: [JSONValue], revision: Int) {
        let (objects, revision) = state.withLock { state in
            let matching = state.objects.filter {
                $0.key.storage == type.storageKey && (namespace == nil || $0.key.namespace == namespace)
            }
            return (matching, state.revision)
        }
        let sorted = objects.sorted {
            ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name)
        }
        return (sorted.map { EventConversion.view($0.value, as: type) }, revision)
    }

    /// Creates `object`; 409 AlreadyExists when the name is taken.
    public func create(
        _ type: ResourceType,
        namespace: String,
        object: JSONValue,
        manager: String,
        now: Date = Date()
    ) throws(APIFailure) -> JSONValue {
        var stored = EventConversion.stored(object, from: type)
        guard let name = stored[path: ["metadata", "name"]]?.stringValue, !name.isEmpty else {
            throw .invalid(type, name: "", "metadata.name: Required value: name is required")
        }
        let key = Key(storage: type.storageKey, namespace: namespace, name: name)
        stored[path: ["metadata", "namespace"]] = .string(namespace)
        stored[path: ["metadata", "uid"]] = .string(UUID().uuidString.lowercased())
        stored[path: ["metadata", "creationTimestamp"]] = .string(Timestamps.seconds(now))
        stored[path: ["metadata", "generation"]] = 1
        stored[path: ["metadata", "managedFields"]] = nil
        stored[path: ["metadata", "resourceVersion"]] = nil
        if type.group.isEmpty && type.name == "pods" {
            // A new pod starts Pending whatever status the client sent, as on the API server.
            // The scheduler and kubelet write the rest through the `status` subresource.
            // NOTE: `status.qosClass` is not derived from the containers' resources.
            stored["status"] = ["phase": "Pending"]
        }
        ManagedFields.record(
            in: &stored,
            manager: manager,
            apiVersion: type.groupVersion,
            subresource: nil,
            fields: ManagedFields.fieldSet(of: object),
            time: now
        )

        let result: JSONValue? = state.withLock { state in
            guard state.objects[key] == nil else { return nil }
            state.revision += 1
            stored[path: ["metadata", "resourceVersion"]] = .string(String(state.revision))
            Self.mirrorNow(&stored, type: type, state: state)
            state.objects[key] = stored
            return stored
        }
        guard let result else { throw .alreadyExists(type, name: name) }
        scheduleMirror(type, key: key)
        return EventConversion.view(result, as: type)
    }

    /// Deletes the object `name`.
    public func delete(_ type: ResourceType, namespace: String, name: String) throws(APIFailure) -> JSONValue {
        let key = Key(storage: type.storageKey, namespace: namespace, name: name)
        guard let removed = state.withLock({ $0.objects.removeValue(forKey: key) }) else {
            throw .notFound(type, name: name)
        }
        return EventConversion.view(removed, as: type)
    }

    /// Stores `object` as given (creating or replacing it), keeping its status and metadata
    /// except resourceVersion, and filling uid and creationTimestamp when missing.
    @discardableResult
    public func seed(_ object: JSONValue, now: Date = Date()) throws(APIFailure) -> JSONValue {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
            let type = ResourceType.find(apiVersion: apiVersion, kind: kind)
        else {
            throw .badRequest("seed object needs an apiVersion and kind that the server serves")
        }
        guard let name = object[path: ["metadata", "name"]]?.stringValue, !name.isEmpty else {
            throw .invalid(type, name: "", "metadata.name: Required value: name is required")
        }
        // Cluster-scoped objects such as namespaces are stored under the namespace "".
        let namespace = type.namespaced ? object[path: ["metadata", "namespace"]]?.stringValue ?? "default" : ""
        var stored = EventConversion.stored(object, from: type)
        if type.namespaced { stored[path: ["metadata", "namespace"]] = .string(namespace) }
        if stored[path: ["metadata", "uid"]] == nil {
            stored[path: ["metadata", "uid"]] = .string(UUID().uuidString.lowercased())
        }
        if stored[path: ["metadata", "creationTimestamp"]] == nil {
            stored[path: ["metadata", "creationTimestamp"]] = .string(Timestamps.seconds(now))
        }
        if stored[path: ["metadata", "generation"]] == nil {
            stored[path: ["metadata", "generation"]] = 1
        }
        let key = Key(storage: type.storageKey, namespace: namespace, name: name)
        let result = state.withLock { state in
            state.revision += 1
            stored[path: ["metadata", "resourceVersion"]] = .string(String(state.revision))
            state.objects[key] = stored
            return stored
        }
        return EventConversion.view(result, as: type)
    }
}
