/// Converts Events between the stored core/v1 form and the events.k8s.io/v1 form, so both
/// APIs show one store.
enum EventConversion {
    /// Field pairs as (core/v1 key, events.k8s.io/v1 key).
    static let renamedFields: [(core: String, events: String)] = [
        ("involvedObject", "regarding"),
        ("message", "note"),
        ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"),
        ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"),
        ("count", "deprecatedCount"),
    ]

    /// Converts a stored core/v1 Event into the events.k8s.io/v1 form.
    static func eventsForm(_ core: JSONValue) -> JSONValue {
        var members = core.objectValue ?? [:]
        for (coreKey, eventsKey) in renamedFields {
            members[eventsKey] = members.removeValue(forKey: coreKey)
        }
        members["apiVersion"] = "events.k8s.io/v1"
        members["kind"] = "Event"
        return .object(members)
    }

    /// Converts an events.k8s.io/v1 Event into the core/v1 form for storing.
    static func coreForm(_ events: JSONValue) -> JSONValue {
        var members = events.objectValue ?? [:]
        for (coreKey, eventsKey) in renamedFields {
            members[coreKey] = members.removeValue(forKey: eventsKey)
        }
        members["apiVersion"] = "v1"
        members["kind"] = "Event"
        return .object(members)
    }

    /// Converts a stored object into the form `type` serves.
    static func view(_ stored: JSONValue, as type: ResourceType) -> JSONValue {
        type.group == "events.k8s.io" ? eventsForm(stored) : stored
    }

    /// Converts an object in the form `type` serves into the stored form.
    static func stored(_ viewed: JSONValue, from type: ResourceType) -> JSONValue {
        type.group == "events.k8s.io" ? coreForm(viewed) : viewed
    }
}
