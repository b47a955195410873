/// Monotonic time and sleeping for the rate limiter and `Retry-After` waits, injected so tests
/// move time by hand instead of sleeping.
public protocol KubeClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The system's monotonic clock.
public struct SystemKubeClock: KubeClock {
    public init() {}

    public var now: ContinuousClock.Instant { ContinuousClock.now }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
