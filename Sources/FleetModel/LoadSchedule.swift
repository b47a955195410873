/// Requests per second offered to the fleet over model time, from second 0 to `duration`.
///
/// Arrivals are a Poisson process with this rate, so the arrivals of any interval are Poisson
/// with mean `expectedArrivals(from:to:)`. The rate is 0 outside [0, `duration`).
public protocol LoadSchedule: Sendable {
    /// Length of the load in seconds.
    var duration: Double { get }
    /// Returns the arrival rate at model second `time`, in requests per second.
    func requestsPerSecond(at time: Double) -> Double
    /// Expected arrivals in [`start`, `end`): the integral of the rate.
    func expectedArrivals(from start: Double, to end: Double) -> Double
    /// Returns the maximum rate over [`start`, `end`], so a caller can draw exact arrival times by
    /// thinning a Poisson process of this rate.
    func maximumRequestsPerSecond(from start: Double, to end: Double) -> Double
}

extension LoadSchedule {
    /// Expected arrivals in the 1 s tick that starts at second `tick`.
    public func expectedArrivals(inTick tick: Int) -> Double {
        expectedArrivals(from: Double(tick), to: Double(tick + 1))
    }

    /// Draws the arrivals in the 1 s tick that starts at second `tick` from a Poisson distribution.
    public func drawArrivals(inTick tick: Int, random: inout SeededRandom) -> Int {
        random.nextPoisson(mean: expectedArrivals(inTick: tick))
    }
}

/// The same rate for the whole duration.
public struct SteadyLoad: LoadSchedule, Equatable {
    public var rate: Double
    public var duration: Double

    public init(requestsPerSecond: Double, duration: Double) {
        precondition(requestsPerSecond >= 0 && requestsPerSecond.isFinite, "rate must be finite and ≥ 0")
        self.rate = requestsPerSecond
        self.duration = duration
    }

    public func requestsPerSecond(at time: Double) -> Double {
        time >= 0 && time < duration ? rate : 0
    }

    public func expectedArrivals(from start: Double, to end: Double) -> Double {
        rate * max(0, min(end, duration) - max(start, 0))
    }

    public func maximumRequestsPerSecond(from start: Double, to end: Double) -> Double {
        end >= 0 && start < duration ? rate : 0
    }
}

/// One rate per trace minute, constant within the minute.
public struct PerMinuteLoad: LoadSchedule, Equatable {
    /// Requests per second in each minute.
    public var rates: [Double]

    public init(requestsPerSecond rates: [Double]) {
        precondition(rates.allSatisfy { $0 >= 0 && $0.isFinite }, "rates must be finite and ≥ 0")
        self.rates = rates
    }

    public var duration: Double { Double(rates.count) * 60 }

    public func requestsPerSecond(at time: Double) -> Double {
        guard time >= 0, time < duration else { return 0 }
        return rates[min(rates.count - 1, Int(time / 60))]
    }

    public func expectedArrivals(from start: Double, to end: Double) -> Double {
        let lower = max(0, start)
        let upper = min(duration, end)
        guard lower < upper else { return 0 }
        var total = 0.0
        for minute in Int(lower / 60)...min(rates.count - 1, Int(upper / 60)) {
            let overlap = min(upper, Double(minute + 1) * 60) - max(lower, Double(minute) * 60)
            if overlap > 0 { total += rates[minute] * overlap }
        }
        return total
    }

    public func maximumRequestsPerSecond(from start: Double, to end: Double) -> Double {
        let lower = max(0, start)
        let upper = min(duration, end)
        guard lower < upper || (lower == upper && lower < duration) else { return 0 }
        let last = min(rates.count - 1, Int(upper / 60))
        return rates[Int(lower / 60)...last].max() ?? 0
    }
}
