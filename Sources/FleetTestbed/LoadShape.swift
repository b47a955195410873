import FleetModel

/// The request rate reaching the Service over model time, and how long the run lasts.
public struct LoadShape: Sendable {
    /// A label for the timeline and `/state`, such as `steady:200:600`.
    public var label: String
    /// Model seconds of load; the run stops there.
    public var duration: Double
    /// Requests per second at a model second.
    public var rate: @Sendable (Double) -> Double
    /// Clock time of model second 0 in seconds after midnight, for trace-time labels such as
    /// `06:37:00` in a trace window that starts at 06:00.
    public var startClock: Double

    public init(
        label: String,
        duration: Double,
        startClock: Double = 0,
        rate: @escaping @Sendable (Double) -> Double
    ) {
        self.label = label
        self.duration = duration
        self.startClock = startClock
        self.rate = rate
    }

    /// Returns the load of a schedule from the fleet model (a trace window or a synthetic shape).
    public static func schedule(_ schedule: any LoadSchedule, label: String, startClock: Double = 0) -> LoadShape {
        LoadShape(label: label, duration: schedule.duration, startClock: startClock) { second in
            schedule.requestsPerSecond(at: second)
        }
    }

    /// Returns a constant `rate` for `duration` seconds.
    public static func steady(rate: Double, duration: Double) -> LoadShape {
        LoadShape(label: "steady:\(MetricsText.format(rate)):\(MetricsText.format(duration))", duration: duration) {
            _ in rate
        }
    }
}
