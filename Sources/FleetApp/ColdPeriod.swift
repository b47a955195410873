/// The slowdown of a freshly started replica, such as a cold cache or a JIT warming up.
public struct ColdPeriod: Sendable, Equatable {
    /// Length of the period after ready, in seconds.
    public var seconds: Double
    /// Extra sleep per request right at ready, in seconds.
    public var extraSeconds: Double

    public init(seconds: Double, extraSeconds: Double) {
        self.seconds = seconds
        self.extraSeconds = extraSeconds
    }

    /// Returns the extra sleep of a request that starts `elapsed` seconds after ready: it falls
    /// linearly from `extraSeconds` at 0 to 0 at `seconds`, and is 0 from then on.
    public func extraDelay(elapsed: Double) -> Double {
        guard seconds > 0, extraSeconds > 0, elapsed < seconds else { return 0 }
        let remainingFraction = 1 - max(elapsed, 0) / seconds
        return extraSeconds * remainingFraction
    }
}
