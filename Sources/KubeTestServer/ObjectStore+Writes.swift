import Foundation

/// The media type of a PATCH body.
public enum PatchFormat: Sendable {
    /// `application/merge-patch+json` (RFC 7386); strategic merge patches are applied this way.
    case merge
    /// `application/json-patch+json` (RFC 6902).
    case json
}

extension ObjectStore {
    /// The effect of a write: the new object in the served form, the fields it set, and the
    /// resourceVersion it requires (a precondition), if any.
    struct WriteOutcome {
        var object: JSONValue
        var fields: JSONValue
        var requiredResourceVersion: String?
    }

    /// Applies a JSON merge patch or a JSON patch to the object or its `scale` or `status`
    /// subresource. A `metadata.resourceVersion` that the patch sets is a precondition: 409
    /// Conflict when stale. Returns the object or Scale after the write.
    public func patch(
        _ type: ResourceType,
        namespace: String,
        name: String,
        subresource: String?,
        patch: JSONValue,
        format: PatchFormat = .merge,
        manager: String,
        now: Date = Date()
    ) throws(APIFailure) -> JSONValue {
        if format == .json {
            return try jsonPatch(
                type,
                namespace: namespace,
                name: name,
                subresource: subresource,
                patch: try JSONPatch(patch),
                manager: manager,
                now: now
            )
        }
        guard patch.objectValue != nil else {
            throw .badRequest("a merge patch body must be a JSON object")
        }
        let precondition = nonEmpty(patch[path: ["metadata", "resourceVersion"]]?.stringValue)
        return try write(type, namespace: namespace, name: name, subresource: subresource, manager: manager, now: now) {
            current throws(APIFailure) in
            if subresource == "scale" {
                let scale = Self.scale(of: current, type: type).mergePatched(with: patch)
                return WriteOutcome(
                    object: try Self.applyScale(scale, to: current, type: type, name: name),
                    fields: ["f:spec": ["f:replicas": [:]]],
                    requiredResourceVersion: precondition
                )
            }
            return WriteOutcome(
                object: current.mergePatched(with: patch),
                fields: ManagedFields.fieldSet(of: patch, includeStatus: subresource == "status"),
                requiredResourceVersion: precondition
            )
        }
    }

    private func jsonPatch(
        _ type: ResourceType,
        namespace: String,
        name: String,
        subresource: String?,
        patch: JSONPatch,
        manager: String,
        now: Date
    ) throws(APIFailure) -> JSONValue {
        // The fields the operations write, cut at the first array index, for managedFields.
        var written: JSONValue = [:]
        for path in patch.operations.compactMap(\.writtenPath) {
            let fieldPath = Array(path.prefix { Int($0) == nil && $0 != "-" })
            if !fieldPath.isEmpty { written[path: fieldPath] = .string("") }
        }
        return try write(type, namespace: namespace, name: name, subresource: subresource, manager: manager, now: now) {
            current throws(APIFailure) in
            if subresource == "scale" {
                let scale = try patch.applied(to: Self.scale(of: current, type: type))
                return WriteOutcome(
                    object: try Self.applyScale(scale, to: current, type: type, name: name),
                    fields: ["f:spec": ["f:replicas": [:]]],
                    requiredResourceVersion: nonEmpty(scale[path: ["metadata", "resourceVersion"]]?.stringValue)
                )
            }
            let patched = try patch.applied(to: current)
            return WriteOutcome(
                object: patched,
                fields: ManagedFields.fieldSet(of: written, includeStatus: subresource == "status"),
                requiredResourceVersion: nonEmpty(patched[path: ["metadata", "resourceVersion"]]?.stringValue)
            )
        }
    }

    /// Replaces the object or its `scale` or `status` subresource with `body`. A non-empty
    /// `metadata.resourceVersion` in `body` must match, else 409 Conflict.
    public func update(
        _ type: ResourceType,
        namespace: String,
        name: String,
        subresource: String?,
        body: JSONValue,
        manager: String,
        now: Date = Date()
    ) throws(APIFailure) -> JSONValue {
        let precondition = nonEmpty(body[path: ["metadata", "resourceVersion"]]?.stringValue)
        return try write(type, namespace: namespace, name: name, subresource: subresource, manager: manager, now: now) {
            current throws(APIFailure) in
            if subresource == "scale" {
                return WriteOutcome(
                    object: try Self.applyScale(body, to: current, type: type, name: name),
                    fields: ["f:spec": ["f:replicas": [:]]],
                    requiredResourceVersion: precondition
                )
            }
            return WriteOutcome(
                object: body,
                fields: ManagedFields.fieldSet(of: body, includeStatus: subresource == "status"),
                requiredResourceVersion: precondition
            )
        }
    }

    /// Builds the `autoscaling/v1` Scale of a deployment or statefulset (`spec.replicas` left out when 0,
    /// as the API server does).
    static func scale(of object: JSONValue, type: ResourceType) -> JSONValue {
        let replicas = object[path: ["spec", "replicas"]]?.intValue ?? 0
        var metadata: JSONValue = [:]
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            metadata[key] = object[path: ["metadata", key]]
        }
        var scale: JSONValue = [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata, "spec": [:],
            "status": [
                "replicas": .int(object[path: ["status", "replicas"]]?.intValue ?? 0),
                "selector": .string(selectorString(object)),
            ],
        ]
        if replicas != 0 { scale[path: ["spec", "replicas"]] = .int(replicas) }
        return scale
    }

    /// Renders `spec.selector` as a label selector in query syntax, as the Scale's
    /// `status.selector` carries it: `matchLabels` with keys sorted, then each of
    /// `matchExpressions` (`key in (a,b)`, `key notin (a,b)`, `key`, `!key`) with values sorted.
    /// An expression with another operator is left out; the API server would have refused it.
    static func selectorString(_ object: JSONValue) -> String {
        let labels = object[path: ["spec", "selector", "matchLabels"]]?.objectValue ?? [:]
        var terms = labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }
        for expression in object[path: ["spec", "selector", "matchExpressions"]]?.arrayValue ?? [] {
            guard let key = expression["key"]?.stringValue else { continue }
            let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue).sorted()
            switch expression["operator"]?.stringValue {
            case "In": terms.append("\(key) in (\(values.joined(separator: ",")))")
            case "NotIn": terms.append("\(key) notin (\(values.joined(separator: ",")))")
            case "Exists": terms.append(key)
            case "DoesNotExist": terms.append("!\(key)")
            default: continue
            }
        }
        return terms.joined(separator: ",")
    }

    private static func applyScale(
        _ scale: JSONValue,
        to object: JSONValue,
        type: ResourceType,
        name: String
    ) throws(APIFailure) -> JSONValue {
        let value = scale[path: ["spec", "replicas"]]
        let replicas = value == nil || value == .null ? 0 : value?.intValue
        guard let replicas, replicas >= 0, replicas <= Int(Int32.max) else {
            throw .invalid(
                type,
                name: name,
                "spec.replicas: Invalid value: must be a non-negative 32-bit integer"
            )
        }
        var updated = object
        updated[path: ["spec", "replicas"]] = .int(replicas)
        return updated
    }

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// Runs one read-modify-write under the lock, keeping server-owned metadata.
    private func write(
        _ type: ResourceType,
        namespace: String,
        name: String,
        subresource: String?,
        manager: String,
        now: Date,
        change: (JSONValue) throws(APIFailure) -> WriteOutcome
    ) throws(APIFailure) -> JSONValue {
        let key = Key(storage: type.storageKey, namespace: namespace, name: name)
        let stored: JSONValue = try state.withLock { state throws(APIFailure) -> JSONValue in
            guard let currentStored = state.objects[key] else { throw .notFound(type, name: name) }
            let current = EventConversion.view(currentStored, as: type)
            let outcome = try change(current)
            let currentVersion = current[path: ["metadata", "resourceVersion"]]?.stringValue
            if let required = outcome.requiredResourceVersion, required != currentVersion {
                throw .conflict(type, name: name)
            }

            var next = outcome.object
            for field in ["name", "namespace", "uid", "creationTimestamp", "generation", "managedFields"] {
                next[path: ["metadata", field]] = current[path: ["metadata", field]]
            }
            next["apiVersion"] = current["apiVersion"]
            next["kind"] = current["kind"]
            if subresource == "status" {
                var onlyStatus = current
                onlyStatus["status"] = next["status"]
                next = onlyStatus
            } else if type.subresources.contains("status") {
                next["status"] = current["status"]
            }
            if next["spec"] != current["spec"] {
                let generation = current[path: ["metadata", "generation"]]?.intValue ?? 1
                next[path: ["metadata", "generation"]] = .int(generation + 1)
            }
            ManagedFields.record(
                in: &next,
                manager: manager,
                apiVersion: type.groupVersion,
                subresource: subresource,
                fields: outcome.fields,
                time: now
            )

            state.revision += 1
            next[path: ["metadata", "resourceVersion"]] = .string(String(state.revision))
            var nextStored = EventConversion.stored(next, from: type)
            Self.mirrorNow(&nextStored, type: type, state: state)
            state.objects[key] = nextStored
            return nextStored
        }
        scheduleMirror(type, key: key)
        let viewed = EventConversion.view(stored, as: type)
        return subresource == "scale" ? Self.scale(of: viewed, type: type) : viewed
    }
}
