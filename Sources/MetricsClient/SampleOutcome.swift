/// What one signal query produced for one target.
///
/// Only `.value` carries a usable number. Every other case is a distinct reason the signal
/// has no usable value, and none of them may be read as zero unless the policy says so for
/// an empty result.
public enum SampleOutcome: Sendable, Equatable {
    /// A finite sample. `age` is how long ago its newest raw input was scraped, when known.
    case value(Double, age: Duration?)
    /// The query succeeded but returned no series for this target.
    case empty
    /// The sample was NaN, +Inf or -Inf (for example a ratio with no traffic).
    case nonFinite(Double)
    /// The sample was negative where the signal forbids it.
    case negative(Double)
    /// The newest raw input is older than the signal's maximum sample age.
    case stale(Double, age: Duration, maxAge: Duration)
    /// More series matched this target than the signal expects.
    case ambiguous(seriesCount: Int)
    /// The query itself failed (connection, timeout, HTTP or PromQL error).
    case failed(reason: String)
    /// One outcome per pod, keyed by the value of the pod label, for a signal read per pod.
    /// Each entry is one of the cases above, never `perPod` again.
    indirect case perPod([String: SampleOutcome])

    /// The finite value, or `nil` for every other outcome.
    public var finiteValue: Double? {
        if case .value(let value, _) = self { return value }
        return nil
    }
}
