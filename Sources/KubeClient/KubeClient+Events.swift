import Foundation

extension KubeClient {
    /// Creates a core/v1 Event about `event.regarding` in its namespace, with count 1, named
    /// `<object name>.<hex nanoseconds of now>` as client-go names Events.
    public func createEvent(_ event: KubeEvent, now: Date) async throws(KubeError) -> RecordedEvent {
        let namespace = event.regarding.namespace
        let nanoseconds = UInt64(max(0, (now.timeIntervalSince1970 * 1e9).rounded()).clamped(to: 0...1.8e19))
        let name = "\(event.regarding.name).\(String(nanoseconds, radix: 16))"
        let timestamp = KubeTime.format(now)
        let body = EventWire(
            apiVersion: "v1",
            kind: "Event",
            metadata: .init(name: name, namespace: namespace),
            involvedObject: event.regarding,
            reason: event.reason,
            message: event.message,
            type: event.type.rawValue,
            source: .init(component: event.reportingComponent),
            reportingComponent: event.reportingComponent,
            reportingInstance: event.reportingInstance,
            firstTimestamp: timestamp,
            lastTimestamp: timestamp,
            count: 1
        )
        let requestTarget = KubeRequestTarget(verb: "create", group: "", resource: "events", namespace: namespace)
        let data = try await perform(
            Call(
                method: .post,
                path: "/api/v1/namespaces/\(Self.segment(namespace))/events",
                query: [("fieldManager", fieldManager)],
                body: encode(body),
                contentType: "application/json",
                target: requestTarget,
                priority: .low
            )
        )
        return try decode(EventWire.self, data, target: requestTarget).recorded
    }

    /// Sets `count` and `lastTimestamp` of a repeated Event with a merge patch.
    public func patchEventCount(
        _ event: RecordedEvent,
        count: Int,
        now: Date
    ) async throws(KubeError) -> RecordedEvent {
        struct Patch: Encodable {
            var count: Int
            var lastTimestamp: String
        }
        let requestTarget = KubeRequestTarget(
            verb: "patch",
            group: "",
            resource: "events",
            namespace: event.namespace,
            name: event.name
        )
        let data = try await perform(
            Call(
                method: .patch,
                path: "/api/v1/namespaces/\(Self.segment(event.namespace))/events/\(Self.segment(event.name))",
                query: [("fieldManager", fieldManager)],
                body: encode(Patch(count: count, lastTimestamp: KubeTime.format(now))),
                contentType: "application/merge-patch+json",
                target: requestTarget,
                priority: .low
            )
        )
        return try decode(EventWire.self, data, target: requestTarget).recorded
    }
}

extension Double {
    func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
