import Foundation

/// A replica floor for a known event, such as a flash sale at 12:00 in a given time zone.
///
/// NOTE: skeleton; the schedule parser and calendar arithmetic land with the scheduled-floor work.
public struct ScheduledFloor: Sendable, Equatable, Codable {
    public var name: String
    public var replicas: Int
    /// Seconds before the start at which the floor already applies, so pods are warm in time.
    public var leadSeconds: Int

    public init(name: String, replicas: Int, leadSeconds: Int = 0) {
        self.name = name
        self.replicas = replicas
        self.leadSeconds = leadSeconds
    }

    /// True when the floor applies at `now`: from its start minus the lead time until its end.
    public func isActive(at now: Date) -> Bool { false }

    /// True when no occurrence starts at or after `now` (a one-off schedule that has ended).
    public func hasExpired(at now: Date) -> Bool { true }

    /// The highest floor among the schedules active at `now` and their names, or `nil`.
    public static func activeFloor(_ schedules: [ScheduledFloor], at now: Date) -> (replicas: Int, names: [String])? {
        let active = schedules.filter { $0.isActive(at: now) }
        guard let highest = active.map(\.replicas).max() else { return nil }
        return (highest, active.filter { $0.replicas == highest }.map(\.name))
    }
}
