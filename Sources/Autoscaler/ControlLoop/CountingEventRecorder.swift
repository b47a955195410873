import Foundation
import Observability
import Synchronization

/// Creates and updates Events in the cluster.
public protocol EventWriter: Sendable {
    associatedtype Handle: Sendable
    /// Creates the Event with count 1 and returns what `updateCount` needs to find it.
    func create(_ event: TargetEvent, at time: Date) async throws -> Handle
    /// Sets the count and last timestamp of an Event `create` returned.
    func updateCount(_ handle: Handle, count: Int, at time: Date) async throws -> Handle
}

/// Records Events so that a repeat of the same target, reason and message within
/// `repeatWindow` raises the count of the Event already there instead of creating another,
/// as client-go's event correlator does. A repeating failure therefore leaves one Event
/// whose count grows, not a flood.
public final class CountingEventRecorder<Writer: EventWriter>: EventRecorder {
    private struct Key: Hashable {
        var target: String
        var reason: EventReason
        var message: String
    }

    private struct Entry {
        var handle: Writer.Handle
        var count: Int
        var lastSeen: Date
    }

    private let writer: Writer
    private let clock: any LoopClock
    private let logger: Logger
    private let repeatWindow: TimeInterval
    private let capacity: Int
    private let entries = Mutex<[Key: Entry]>([:])

    /// - Parameters:
    ///   - repeatWindow: a repeat later than this after the last one creates a new Event.
    ///   - capacity: most distinct Events remembered; the least recently seen are forgotten.
    public init(
        writer: Writer,
        clock: any LoopClock,
        logger: Logger,
        repeatWindow: Duration = .seconds(600),
        capacity: Int = 4096
    ) {
        self.writer = writer
        self.clock = clock
        self.logger = logger
        self.repeatWindow = repeatWindow.timeInterval
        self.capacity = max(1, capacity)
    }

    public func record(_ event: TargetEvent) async {
        let key = Key(target: event.target.identity, reason: event.reason, message: event.message)
        let now = clock.now
        let known = entries.withLock { all -> Entry? in
            guard let entry = all[key], now.timeIntervalSince(entry.lastSeen) <= repeatWindow else { return nil }
            return entry
        }

        do {
            if let known {
                let handle = try await writer.updateCount(known.handle, count: known.count + 1, at: now)
                remember(key, Entry(handle: handle, count: known.count + 1, lastSeen: now))
            } else {
                let handle = try await writer.create(event, at: now)
                remember(key, Entry(handle: handle, count: 1, lastSeen: now))
            }
        } catch {
            // Events are advice for people; failing to record one must not stop the loop.
            logger.warning(
                "recording an Event failed",
                [
                    "target": .string(event.target.identity), "eventReason": .string(event.reason.rawValue),
                    "error": .string("\(error)"),
                ]
            )
        }
    }

    private func remember(_ key: Key, _ entry: Entry) {
        entries.withLock { all in
            all[key] = entry
            if all.count > capacity, let oldest = all.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
                all.removeValue(forKey: oldest)
            }
        }
    }
}
