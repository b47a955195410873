import Foundation

/// The Lease and timings of the leader election of `headroom run`. Durations are in seconds, and the
/// defaults are the Kubernetes components' 15 s lease, 10 s renew deadline and 2 s retry period.
struct LeaderElectionSettings: Equatable, Sendable {
    var namespace: String
    var leaseName: String
    /// Unique per candidate process; written as the Lease's `holderIdentity`.
    var identity: String
    /// Whole seconds, as `spec.leaseDurationSeconds` is an integer.
    var leaseDuration: Double = 15
    var renewDeadline: Double = 10
    var retryPeriod: Double = 2

    /// The acquire wait is the retry period plus up to this factor times the retry period.
    static let jitterFactor = 1.2

    var leaseDurationSeconds: Int { Int(leaseDuration.rounded()) }

    /// Checks lease duration > renew deadline > 1.2 × retry period > 0, the order that lets a
    /// leader stop writing before anyone may take over; returns the problem or `nil`.
    static func problem(leaseDuration: Double, renewDeadline: Double, retryPeriod: Double) -> String? {
        guard retryPeriod > 0 else {
            return "'--leader-election-retry-period' must be above 0; got \(retryPeriod)s"
        }
        guard leaseDuration >= 1, leaseDuration == leaseDuration.rounded() else {
            return "'--leader-election-lease-duration' must be whole seconds, at least 1s; got \(leaseDuration)s"
        }
        guard leaseDuration > renewDeadline else {
            return "'--leader-election-lease-duration' (\(leaseDuration)s) must be longer than "
                + "'--leader-election-renew-deadline' (\(renewDeadline)s)"
        }
        guard renewDeadline > jitterFactor * retryPeriod else {
            return "'--leader-election-renew-deadline' (\(renewDeadline)s) must be longer than 1.2 × "
                + "'--leader-election-retry-period' (\(retryPeriod)s)"
        }
        return nil
    }

    /// `POD_NAME` when set (the Downward API), else the host name, then `_` and a random
    /// suffix, so two processes on one host or a restarted pod never share an identity.
    static func identity(environment: [String: String], hostName: String, suffix: String) -> String {
        let base = environment["POD_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? hostName
        return "\(base)_\(suffix)"
    }

    /// Eight random hexadecimal digits.
    static func randomSuffix() -> String {
        String(UInt32.random(in: .min ... .max), radix: 16).leftPadded(to: 8)
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
