import Foundation

/// A rate that follows straight lines between points, such as a ramp from one steady level to
/// another.
public struct PiecewiseLinearLoad: LoadSchedule, Equatable {
    /// (second, requests per second) in ascending time; the first point is at second 0 and the
    /// last one sets the duration.
    public var points: [(time: Double, rate: Double)]

    public init(points: [(time: Double, rate: Double)]) {
        precondition(points.count >= 2 && points[0].time == 0, "a piecewise load starts at second 0")
        precondition(zip(points, points.dropFirst()).allSatisfy { $0.time <= $1.time }, "times must ascend")
        precondition(points.allSatisfy { $0.rate >= 0 && $0.rate.isFinite }, "rates must be finite and ≥ 0")
        self.points = points
    }

    public static func == (left: PiecewiseLinearLoad, right: PiecewiseLinearLoad) -> Bool {
        left.points.elementsEqual(right.points) { $0.time == $1.time && $0.rate == $1.rate }
    }

    public var duration: Double { points[points.count - 1].time }

    public func requestsPerSecond(at time: Double) -> Double {
        guard time >= 0, time < duration else { return 0 }
        for (left, right) in zip(points, points.dropFirst()) where time < right.time {
            return left.rate + (right.rate - left.rate) * (time - left.time) / (right.time - left.time)
        }
        return 0
    }

    public func expectedArrivals(from start: Double, to end: Double) -> Double {
        var total = 0.0
        for (left, right) in zip(points, points.dropFirst()) where right.time > left.time {
            let lower = max(start, left.time)
            let upper = min(end, right.time)
            guard lower < upper else { continue }
            // The integral of a straight line is its width times its height at the middle.
            total += (upper - lower) * requestsPerSecondOnSegment(left, right, at: (lower + upper) / 2)
        }
        return total
    }

    public func maximumRequestsPerSecond(from start: Double, to end: Double) -> Double {
        var highest = 0.0
        for (left, right) in zip(points, points.dropFirst()) where right.time > left.time {
            let lower = max(start, left.time)
            let upper = min(end, right.time)
            guard lower <= upper, lower < right.time else { continue }
            highest = max(
                highest,
                requestsPerSecondOnSegment(left, right, at: lower),
                requestsPerSecondOnSegment(left, right, at: upper)
            )
        }
        return highest
    }

    private func requestsPerSecondOnSegment(
        _ left: (time: Double, rate: Double),
        _ right: (time: Double, rate: Double),
        at time: Double
    ) -> Double {
        left.rate + (right.rate - left.rate) * (time - left.time) / (right.time - left.time)
    }
}

/// The flash sale: a steady base rate, a linear ramp to the peak, a hold, a linear ramp back
/// and a steady tail. `scored` carries the numbers of the scored scenario; tests compress it.
public struct FlashSale: Sendable, Equatable {
    public var baseRequestsPerSecond: Double
    public var peakRequestsPerSecond: Double
    /// Seconds at the base rate before the ramp.
    public var leadIn: Double
    public var rampUp: Double
    public var hold: Double
    public var rampDown: Double
    /// Seconds at the base rate after the ramp down.
    public var tail: Double

    public init(
        baseRequestsPerSecond: Double,
        peakRequestsPerSecond: Double,
        leadIn: Double,
        rampUp: Double,
        hold: Double,
        rampDown: Double,
        tail: Double
    ) {
        self.baseRequestsPerSecond = baseRequestsPerSecond
        self.peakRequestsPerSecond = peakRequestsPerSecond
        self.leadIn = leadIn
        self.rampUp = rampUp
        self.hold = hold
        self.rampDown = rampDown
        self.tail = tail
    }

    /// 60 requests/s for 10 min, a 60 s ramp to 1,800/s, 10 min hold, 60 s back to 60/s,
    /// then 15 min at 60/s: 37 minutes (2,220 s) in all.
    public static let scored = FlashSale(
        baseRequestsPerSecond: 60,
        peakRequestsPerSecond: 1_800,
        leadIn: 600,
        rampUp: 60,
        hold: 600,
        rampDown: 60,
        tail: 900
    )

    public var load: PiecewiseLinearLoad {
        let rampStart = leadIn
        let holdStart = rampStart + rampUp
        let holdEnd = holdStart + hold
        let tailStart = holdEnd + rampDown
        return PiecewiseLinearLoad(points: [
            (0, baseRequestsPerSecond),
            (rampStart, baseRequestsPerSecond),
            (holdStart, peakRequestsPerSecond),
            (holdEnd, peakRequestsPerSecond),
            (tailStart, baseRequestsPerSecond),
            (tailStart + tail, baseRequestsPerSecond),
        ])
    }
}

/// A daily cycle: a sinusoid that starts at `minimum`, peaks at `maximum` half a period later
/// and returns to `minimum` after one period.
public struct DiurnalLoad: LoadSchedule, Equatable {
    public var minimum: Double
    public var maximum: Double
    /// Seconds of one full cycle, 86,400 for a day.
    public var period: Double
    public var duration: Double

    public init(minimum: Double, maximum: Double, period: Double, duration: Double) {
        precondition(minimum >= 0 && maximum >= minimum && period > 0, "need 0 ≤ minimum ≤ maximum, period > 0")
        self.minimum = minimum
        self.maximum = maximum
        self.period = period
        self.duration = duration
    }

    public func requestsPerSecond(at time: Double) -> Double {
        guard time >= 0, time < duration else { return 0 }
        return minimum + (maximum - minimum) * (1 - cos(2 * Double.pi * time / period)) / 2
    }

    public func expectedArrivals(from start: Double, to end: Double) -> Double {
        let lower = max(0, start)
        let upper = min(duration, end)
        guard lower < upper else { return 0 }
        let angular = 2 * Double.pi / period
        let cosineIntegral = (sin(angular * upper) - sin(angular * lower)) / angular
        return minimum * (upper - lower) + (maximum - minimum) / 2 * ((upper - lower) - cosineIntegral)
    }

    public func maximumRequestsPerSecond(from start: Double, to end: Double) -> Double {
        let lower = max(0, start)
        let upper = min(duration, end)
        guard lower <= upper, lower < duration else { return 0 }
        // The crests sit at period / 2 + k × period.
        let firstCrest = (((lower - period / 2) / period).rounded(.up)) * period + period / 2
        if firstCrest <= upper { return maximum }
        return max(requestsPerSecond(at: lower), requestsPerSecond(at: min(upper, duration.nextDown)))
    }
}
