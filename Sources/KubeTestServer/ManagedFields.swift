import Foundation

/// Builds and records `metadata.managedFields` entries the way the API server does for
/// `Update` operations: one entry per field manager and subresource.
enum ManagedFields {
    /// Picks the manager name for a request: `?fieldManager=` if given, else the user agent up to
    /// its first `/` (so `kubectl/v1.32.4 (linux/amd64)` becomes `kubectl`).
    static func manager(fieldManager: String?, userAgent: String?) -> String {
        if let fieldManager, !fieldManager.isEmpty { return fieldManager }
        guard let userAgent, !userAgent.isEmpty else { return "unknown" }
        return String(userAgent.split(separator: "/", maxSplits: 1).first ?? "unknown")
    }

    /// Builds the FieldsV1 set of the fields present in `value`: `{"f:spec":{"f:replicas":{}}}`.
    /// Server-owned metadata and, unless `includeStatus`, `status` are left out.
    static func fieldSet(of value: JSONValue, includeStatus: Bool = false) -> JSONValue {
        guard let members = value.objectValue else { return [:] }
        var result: [String: JSONValue] = [:]
        for (key, child) in members {
            switch key {
            case "apiVersion", "kind":
                continue
            case "status" where !includeStatus:
                continue
            case "metadata":
                var metadata: [String: JSONValue] = [:]
                for field in ["labels", "annotations"] {
                    if let nested = child[field], nested.objectValue?.isEmpty == false {
                        metadata["f:\(field)"] = leafSet(of: nested)
                    }
                }
                if !metadata.isEmpty { result["f:metadata"] = .object(metadata) }
            default:
                result["f:\(key)"] = leafSet(of: child)
            }
        }
        return .object(result)
    }

    private static func leafSet(of value: JSONValue) -> JSONValue {
        guard let members = value.objectValue else { return [:] }
        return .object(Dictionary(uniqueKeysWithValues: members.map { ("f:\($0.key)", leafSet(of: $0.value)) }))
    }

    /// Replaces the entry of `manager` for `subresource` in `object` with one for `fields`.
    static func record(
        in object: inout JSONValue,
        manager: String,
        apiVersion: String,
        subresource: String?,
        fields: JSONValue,
        time: Date
    ) {
        var entries = object[path: ["metadata", "managedFields"]]?.arrayValue ?? []
        entries.removeAll {
            $0["manager"]?.stringValue == manager && $0["subresource"]?.stringValue == subresource
        }
        var entry: JSONValue = [
            "manager": .string(manager), "operation": "Update", "apiVersion": .string(apiVersion),
            "time": .string(Timestamps.seconds(time)), "fieldsType": "FieldsV1", "fieldsV1": fields,
        ]
        if let subresource { entry["subresource"] = .string(subresource) }
        entries.append(entry)
        object[path: ["metadata", "managedFields"]] = .array(entries)
    }
}
