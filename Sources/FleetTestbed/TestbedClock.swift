import Foundation
import Synchronization

/// The wall clock of the testbed, injected so that tests drive ticks by hand and never sleep.
public protocol TestbedClock: Sendable {
    /// Returns the current wall time.
    func now() -> Date
    /// Waits until `deadline`; returns at once when it has passed. Throws when cancelled.
    func sleep(until deadline: Date) async throws
}

/// The real clock.
public struct SystemTestbedClock: TestbedClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int((seconds * 1000).rounded(.up))))
    }
}

/// A clock that moves only when a test moves it: `sleep(until:)` jumps straight to the deadline, so a
/// run of many ticks takes no wall time.
public final class ManualTestbedClock: TestbedClock {
    private let current: Mutex<Date>

    public init(start: Date) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: Double) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    public func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        current.withLock { $0 = max($0, deadline) }
    }
}

/// Maps model seconds to wall time: `wallStart + modelSeconds / compression`. With compression
/// F, one model second lasts 1/F wall seconds, so every rate Prometheus computes from the
/// exporters is F times the model's rate.
public struct ModelTimeMapping: Sendable, Equatable {
    public var wallStart: Date
    public var compression: Double

    public init(wallStart: Date, compression: Double) {
        precondition(compression > 0 && compression.isFinite, "compression must be a positive number")
        self.wallStart = wallStart
        self.compression = compression
    }

    /// Returns the wall time of model second `modelSeconds`.
    public func wall(_ modelSeconds: Double) -> Date {
        wallStart.addingTimeInterval(modelSeconds / compression)
    }
}
