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

    /// Returns a flash sale. The rate is `base` requests/s, ramps linearly to `peak` from `start`
    /// over `ramp` seconds, holds `peak` for `hold` seconds, falls back to `base` over `ramp`
    /// seconds, then stays at `base` until `duration`.
    public static func flashSale(_ sale: FlashSaleShape) -> LoadShape {
        LoadShape(label: sale.label, duration: sale.duration) { second in sale.rate(at: second) }
    }
}

/// The parameters of the flash-sale shape, in requests per second and model seconds.
public struct FlashSaleShape: Sendable, Equatable {
    public var base: Double = 100
    public var peak: Double = 1000
    public var start: Double = 60
    public var ramp: Double = 30
    public var hold: Double = 180
    public var duration: Double = 480

    public init() {}

    public var label: String {
        let parts = [base, peak, start, ramp, hold, duration].map(MetricsText.format)
        return "flash-sale:" + parts.joined(separator: ":")
    }

    public func rate(at second: Double) -> Double {
        let rampEnd = start + ramp
        let holdEnd = rampEnd + hold
        let fallEnd = holdEnd + ramp
        switch second {
        case ..<start: return base
        case ..<rampEnd: return base + (peak - base) * (second - start) / ramp
        case ..<holdEnd: return peak
        case ..<fallEnd: return peak - (peak - base) * (second - holdEnd) / ramp
        default: return base
        }
    }
}
