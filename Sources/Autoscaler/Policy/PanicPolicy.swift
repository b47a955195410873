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
    /// Seconds ahead to project a rising demand while panicking, about the time a new pod takes
    /// to become Ready; 0 goes to the short window's value as it is.
    public var lookaheadSeconds: Double
    /// The range of the signal's own query in seconds, which with the short window gives the
    /// demand's slope; 0 when unknown.
    public var signalWindowSeconds: Double

    public init(
        signal: String,
        windowSeconds: Double,
        threshold: Double = 2,
        stableWindowSeconds: Int = 60,
        lookaheadSeconds: Double = 0,
        signalWindowSeconds: Double = 0
    ) {
        self.signal = signal
        self.windowSeconds = windowSeconds
        self.threshold = threshold
        self.stableWindowSeconds = stableWindowSeconds
        self.lookaheadSeconds = lookaheadSeconds
        self.signalWindowSeconds = signalWindowSeconds
    }

    /// The demand projected `lookaheadSeconds` past now from the two windows' rates, or the
    /// short window's rate when the demand is not rising or the windows are unknown.
    ///
    /// A rate over a window estimates the demand at the window's middle. So the short window
    /// reads the demand `windowSeconds / 2` ago and the signal's own window reads it
    /// `signalWindowSeconds / 2` ago. The slope between them is carried forward, at most to
    /// twice the short window's rate.
    public func projectedDemand(short: Double, long: Double) -> Double {
        let gap = (signalWindowSeconds - windowSeconds) / 2
        guard lookaheadSeconds > 0, gap > 0, short > long else { return short }
        let slope = (short - long) / gap
        let projected = short + slope * (windowSeconds / 2 + lookaheadSeconds)
        return min(projected, 2 * short)
    }

    /// The name of the derived signal that carries the short-window query.
    public var signalName: String { PanicPolicy.signalName(for: signal) }

    public static func signalName(for signal: String) -> String { signal + "@panic" }

    /// Returns the default short window: the larger of 6 s and two scrape intervals, because a
    /// `rate()` over less than two scrapes has no data.
    public static func defaultWindowSeconds(scrapeIntervalSeconds: Double) -> Double {
        max(6, 2 * scrapeIntervalSeconds)
    }
}
