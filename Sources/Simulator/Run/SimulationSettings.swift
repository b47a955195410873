/// The fixed timing and objective of scored runs (see the scoring scenarios' README), in one
/// place so that every report prints what it ran with.
public struct SimulationSettings: Sendable, Equatable {
    /// Seconds between two cycles of Headroom's control loop.
    public var controllerInterval: Double = 15
    /// Seconds between two Prometheus scrapes of the fleet's exporters.
    public var scrapeInterval: Double = 15
    /// Model second of the first scrape, so scrapes need not line up with controller cycles.
    public var scrapeOffset: Double = 0
    /// Seconds from a scrape until its samples answer queries.
    public var pipelineLag: Double = 0
    /// Window of the request rate the baselines see, seconds.
    public var rateWindow: Double = 60
    /// The p99 latency objective, seconds.
    public var objective: Double = 0.5
    /// Requests per second one Ready pod carries at its target, for "enough ready capacity".
    public var perPodRate: Double = 35
    /// Windows of the in-flight averages handed to baselines, seconds: the panic and stable
    /// windows of the default KPA (6, 60) and of the tuned one (3, 30).
    public var concurrencyWindows: [Double] = [3, 6, 30, 60]

    public init() {}

    /// The parameter lines every report starts with.
    public var parameterLines: [String] {
        [
            "controller interval \(Self.format(controllerInterval)) s (KEDA polls 30 s, KPA ticks 2 s)",
            "scrape interval \(Self.format(scrapeInterval)) s, first scrape at \(Self.format(scrapeOffset)) s, "
                + "metric pipeline lag \(Self.format(pipelineLag)) s",
            "signal windows as each query states; baselines' request rate over \(Self.format(rateWindow)) s",
            "p99 objective \(Self.format(objective * 1000)) ms; enough capacity = \(Self.format(perPodRate)) "
                + "requests/s per Ready pod",
        ]
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
