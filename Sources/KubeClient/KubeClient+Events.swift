import Foundation
import Synchronization

extension KubeClient {
    /// Creates a core/v1 Event about `event.regarding` in its namespace, with count 1, named
    /// `<object name>.<hex nanoseconds>` as client-go names Events.
    ///
    /// The nanoseconds come from `now`, counted up past names this process used recently, so two
    /// Events created with the same `now` get different names. When the name is taken anyway
    /// (409 AlreadyExists, such as from another replica), the create is retried once with the
    /// next name.
    public func createEvent(_ event: KubeEvent, now: Date) async throws(KubeError) -> RecordedEvent {
        do {
            return try await createEvent(event, now: now, name: EventNames.next(for: event.regarding.name, now: now))
        } catch .alreadyExists {
            return try await createEvent(event, now: now, name: EventNames.next(for: event.regarding.name, now: now))
        }
    }

    private func createEvent(_ event: KubeEvent, now: Date, name: String) async throws(KubeError) -> RecordedEvent {
        let namespace = event.regarding.namespace
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

/// Event names unique within this process.
enum EventNames {
    /// Names handed out recently, oldest first, with a set for lookup.
    private struct Issued {
        var order: [String] = []
        var names: Set<String> = []
    }

    /// How many recent names are remembered. Two Events collide only when created for one
    /// object at the same nanosecond, so a short memory is enough.
    static let memory = 4096
    private static let issued = Mutex(Issued())

    /// Converts `date` to whole nanoseconds since 1970 in integer arithmetic, because a Double
    /// product of seconds and 1e9 is off by up to 128 ns at today's dates. Times before 1970
    /// and non-finite times give 0, and times after 2540 give that year's nanoseconds.
    static func nanosecondsSince1970(_ date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, seconds > 0 else { return 0 }
        guard seconds < 1.8e10 else { return 18_000_000_000 * 1_000_000_000 }
        let whole = seconds.rounded(.down)
        let fraction = UInt64(((seconds - whole) * 1e9).rounded())
        return UInt64(whole) * 1_000_000_000 + fraction
    }

    /// Returns `<object>.<hex nanoseconds of now>`, counting the nanoseconds up past any name
    /// that this process handed out recently.
    static func next(for object: String, now: Date) -> String {
        var nanoseconds = nanosecondsSince1970(now)
        return issued.withLock { issued in
            var name = "\(object).\(String(nanoseconds, radix: 16))"
            while issued.names.contains(name) {
                nanoseconds += 1
                name = "\(object).\(String(nanoseconds, radix: 16))"
            }
            issued.names.insert(name)
            issued.order.append(name)
            if issued.order.count > memory { issued.names.remove(issued.order.removeFirst()) }
            return name
        }
    }
}
