/// Knative-style panic mode for a target: a short-window copy of one scale signal that, when it
/// asks for at least `threshold` times the Ready capacity, takes the target straight to its
/// recommendation.
public struct PanicPolicy: Sendable, Equatable, Codable {
    /// The scale signal whose query is repeated over the short window.
    public var signal: String
    /// The range of the short window in seconds, used in place of every range selector of the
    /// signal's query.
    public var windowSeconds: Double
    /// The ratio of the short window's proposal to the Ready capacity that starts panic (> 1).
    public var threshold: Double
    /// Seconds below the threshold after which panic ends.
    public var stableWindowSeconds: Int

    public init(signal: String, windowSeconds: Double, threshold: Double = 2, stableWindowSeconds: Int = 60) {
        self.signal = signal
        self.windowSeconds = windowSeconds
        self.threshold = threshold
        self.stableWindowSeconds = stableWindowSeconds
    }

    /// The name of the derived signal that carries the short-window query.
    public var signalName: String { PanicPolicy.signalName(for: signal) }

    public static func signalName(for signal: String) -> String { signal + "@panic" }

    /// The default short window: the larger of 6 s and two scrape intervals, because a
    /// `rate()` over less than two scrapes has no data.
    public static func defaultWindowSeconds(scrapeIntervalSeconds: Double) -> Double {
        max(6, 2 * scrapeIntervalSeconds)
    }
}
