import Foundation

extension ObjectStore {
    /// Tells whether writes of `spec.replicas` on `type` are mirrored into its status.
    static func mirrors(_ type: ResourceType) -> Bool {
        type.group == "apps" && (type.name == "deployments" || type.name == "statefulsets")
    }

    /// Sets the status counters of `object` from `spec.replicas`, as a fleet of instantly ready
    /// pods would. Counters that are 0 are left out, as the API server leaves them out.
    static func applyMirroredStatus(_ object: inout JSONValue, type: ResourceType) -> Bool {
        let replicas = object[path: ["spec", "replicas"]]?.intValue ?? 0
        var status = object["status"] ?? [:]
        let before = status
        var counters = ["replicas", "readyReplicas", "availableReplicas", "updatedReplicas"]
        if type.name == "statefulsets" { counters.append("currentReplicas") }
        for counter in counters {
            status[counter] = replicas == 0 && counter != "replicas" ? nil : .int(replicas)
        }
        status["observedGeneration"] = object[path: ["metadata", "generation"]]
        object["status"] = status
        return status != before
    }

    /// Mirrors during the write itself when mirroring has no delay.
    static func mirrorNow(_ object: inout JSONValue, type: ResourceType, state: State) {
        guard state.mirrorsReplicas, state.mirrorDelay == .zero, mirrors(type) else { return }
        _ = applyMirroredStatus(&object, type: type)
    }

    /// Mirrors after the configured delay, as a separate write with its own resourceVersion.
    func scheduleMirror(_ type: ResourceType, key: Key) {
        let (enabled, delay) = state.withLock { ($0.mirrorsReplicas, $0.mirrorDelay) }
        guard enabled, delay > .zero, Self.mirrors(type) else { return }
        Task { [self] in
            try? await Task.sleep(for: delay)
            state.withLock { state in
                guard var object = state.objects[key] else { return }
                guard Self.applyMirroredStatus(&object, type: type) else { return }
                state.revision += 1
                object[path: ["metadata", "resourceVersion"]] = .string(String(state.revision))
                state.objects[key] = object
            }
        }
    }
}
