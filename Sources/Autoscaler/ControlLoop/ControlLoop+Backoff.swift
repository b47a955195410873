import Foundation

/// The read of a target was skipped because an earlier failure's backoff has not run out.
public struct BackingOff: Error, CustomStringConvertible {
    public let target: String
    public let until: Date
    public let failures: Int

    public var description: String {
        "skipped after \(failures) failed attempt(s) in a row; the next attempt is at "
            + ControlLoop.rfc3339(until)
    }
}

/// A failed read or write that carries the wait the server requested before the next attempt,
/// such as the `Retry-After` of a 429. The loop waits at least that long, even when its own
/// backoff is shorter.
public protocol ServerRequestedWait: Error {
    /// Seconds the server requested, or `nil` when it named no wait.
    var retryAfterSeconds: Double? { get }
}

extension ControlLoop {
    /// The longest wait between attempts on a failing target.
    static let maxBackoffSeconds = 300.0

    /// The wait after `failures` failures in a row: the interval doubled per failure after the
    /// first, capped at 5 minutes, and stretched by up to 20 % (as client-go's `wait.Jitter`
    /// with factor 0.2). The stretch is derived from the target and the failure count, so a
    /// test sees the same waits every run while targets failing together spread out.
    static func backoff(failures: Int, interval: TimeInterval, target: String) -> TimeInterval {
        guard failures > 1 else { return 0 }
        let base = min(interval * pow(2, Double(min(failures - 1, 20))), maxBackoffSeconds)
        var hash: UInt64 = 1_469_598_103_934_665_603
        for byte in "\(target)#\(failures)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        let jitter = Double(hash % 1000) / 1000 * 0.2
        return base * (1 + jitter)
    }

    /// Returns the backoff that skips `target` this cycle, or `nil` when it may be read.
    func backingOff(_ target: TargetPolicy, at now: Date) -> BackingOff? {
        let state = history(of: target)
        guard let until = state.retryAt, now < until else { return nil }
        return BackingOff(target: target.identity, until: until, failures: state.failures)
    }

    /// Counts a failed read or write of `target` and schedules its next attempt, no earlier
    /// than the wait the server requested with `error`, if it requested one.
    func recordFailure(_ target: TargetPolicy, at now: Date, error: any Error) {
        let interval = configuration.interval.timeInterval
        let requested = (error as? any ServerRequestedWait)?.retryAfterSeconds ?? 0
        update(target) { state in
            state.failures += 1
            let wait = Self.backoff(failures: state.failures, interval: interval, target: target.identity)
            if requested > 0 {
                // The next cycle may start less than `interval` after this failure, so a
                // requested wait always sets the time of the next attempt.
                state.retryAt = now.addingTimeInterval(max(wait, requested))
            } else {
                // The next cycle starts `interval` later anyway; skip cycles only beyond that.
                state.retryAt = wait > interval ? now.addingTimeInterval(wait) : nil
            }
        }
    }

    /// Clears `target`'s failure count after a successful read and write.
    func recordSuccess(_ target: TargetPolicy) {
        update(target) { state in
            state.failures = 0
            state.retryAt = nil
        }
    }
}
