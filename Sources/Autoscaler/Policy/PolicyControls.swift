import Foundation

/// Policy-wide operator controls: a freeze of every write, and how many outside overrides of
/// `spec.replicas` Headroom tolerates before it stops writing to a target.
public struct PolicyControls: Sendable, Equatable, Codable {
    /// While true, no target is written; decisions are still made and reported.
    public var freeze: Bool
    /// When set, the freeze ends at this time.
    public var freezeUntil: Date?
    /// Overrides of `spec.replicas` by one other field manager within the window that stop
    /// Headroom writing to the target (`ConflictingWriter`).
    public var maxOutsideOverrides: Int
    public var outsideOverrideWindowSeconds: Int

    public init(
        freeze: Bool = false,
        freezeUntil: Date? = nil,
        maxOutsideOverrides: Int = 3,
        outsideOverrideWindowSeconds: Int = 600
    ) {
        self.freeze = freeze
        self.freezeUntil = freezeUntil
        self.maxOutsideOverrides = maxOutsideOverrides
        self.outsideOverrideWindowSeconds = outsideOverrideWindowSeconds
    }

    /// True when the freeze holds at `now`.
    public func isFrozen(at now: Date) -> Bool {
        guard freeze else { return false }
        return freezeUntil.map { now < $0 } ?? true
    }
}

/// The annotations an operator sets on a target to pause or pin it. Times are RFC 3339.
public enum TargetAnnotations {
    /// `"true"` pauses until removed; an RFC 3339 time pauses until then.
    public static let paused = "headroom.io/paused"
    /// A replica count to hold the target at.
    public static let pinReplicas = "headroom.io/pin-replicas"
    /// When the pin ends (RFC 3339); without it the pin lasts until removed.
    public static let pinUntil = "headroom.io/pin-until"
}
