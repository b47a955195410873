/// A stretch of the schedule whose rate changes linearly from `startRate` to `endRate`.
///
/// Rates are in requests per second of wall time; `duration` is in wall seconds. A constant
/// stretch has equal rates.
public struct RateSegment: Sendable, Equatable {
    public var duration: Double
    public var startRate: Double
    public var endRate: Double

    public init(duration: Double, startRate: Double, endRate: Double) {
        precondition(duration.isFinite && duration > 0, "segment duration must be finite and > 0")
        precondition(startRate.isFinite && startRate >= 0, "segment start rate must be finite and ≥ 0")
        precondition(endRate.isFinite && endRate >= 0, "segment end rate must be finite and ≥ 0")
        self.duration = duration
        self.startRate = startRate
        self.endRate = endRate
    }

    /// Creates a segment at one rate.
    public static func constant(_ rate: Double, for duration: Double) -> RateSegment {
        RateSegment(duration: duration, startRate: rate, endRate: rate)
    }

    /// Requests the segment schedules over its whole duration: the integral of its rate.
    public var requests: Double { (startRate + endRate) / 2 * duration }

    /// Returns the offset into the segment at which the integral of the rate reaches `count`, for
    /// 0 ≤ `count` ≤ `requests`.
    ///
    /// With r(τ) = a + (b − a)τ/d the integral is aτ + cτ² where c = (b − a)/(2d). The root of
    /// cτ² + aτ − m = 0 is written as 2m / (a + √(a² + 4cm)), which has no cancellation and
    /// reduces to m/a for a constant rate.
    func offset(reaching count: Double) -> Double {
        let curvature = (endRate - startRate) / (2 * duration)
        let discriminant = max(0, startRate * startRate + 4 * curvature * count)
        let denominator = startRate + discriminant.squareRoot()
        guard denominator > 0 else { return 0 }
        return min(duration, 2 * count / denominator)
    }
}

/// The deterministic open-loop schedule: request k (k = 1, 2, …) is due at the time t where the
/// integral of the rate from 0 to t reaches k, so a constant 10/s sends at 0.1, 0.2, … s.
///
/// Times are wall seconds from the start of the run. The schedule's second s contains the
/// requests due in (s, s + 1], so a constant rate r puts exactly r requests in every second.
public struct ArrivalSchedule: Sendable, Equatable {
    public let segments: [RateSegment]
    /// The schedule's length in wall seconds.
    public let duration: Double
    /// Requests the schedule sends: the integral over the whole schedule, rounded down.
    public let totalRequests: Int
    /// Whole wall seconds the timeline covers: the duration rounded up.
    public let seconds: Int

    public init(segments: [RateSegment]) {
        self.segments = segments
        let duration = segments.reduce(0) { $0 + $1.duration }
        self.duration = duration
        let integral = segments.reduce(0) { $0 + $1.requests }
        // The small allowance keeps an integral such as 29.999999999999996 (three segments of
        // 10/s for 1 s summed in floating point) from losing its last request.
        totalRequests = Int((integral + 1e-9).rounded(.down))
        seconds = Int((duration - 1e-9).rounded(.up))
    }

    /// The average scheduled rate in requests per second over the whole schedule.
    public var averageRate: Double { duration > 0 ? Double(totalRequests) / duration : 0 }

    /// Returns the timeline second that contains a request due at `time`.
    public func second(of time: Double) -> Int {
        let index = Int((time - 1e-9).rounded(.up)) - 1
        return min(max(0, index), max(0, seconds - 1))
    }

    /// Returns the due times of every request, in order. A run walks `Arrivals` instead, which
    /// stores none of them.
    public func allTimes() -> [Double] {
        var arrivals = Arrivals(schedule: self)
        var times: [Double] = []
        times.reserveCapacity(totalRequests)
        while let time = arrivals.peek() {
            times.append(time)
            arrivals.advance()
        }
        return times
    }

    /// Counts the requests due in each timeline second.
    public func requestsPerSecond() -> [Int] {
        var counts = [Int](repeating: 0, count: seconds)
        var arrivals = Arrivals(schedule: self)
        while let time = arrivals.peek() {
            counts[second(of: time)] += 1
            arrivals.advance()
        }
        return counts
    }
}

/// A cursor over the due times of an `ArrivalSchedule`, one request at a time, without storing
/// them. `peek()` is the due time of request `index`; `advance()` moves to the next.
public struct Arrivals: Sendable {
    private let schedule: ArrivalSchedule
    /// The 1-based number of the request `peek()` returns.
    public private(set) var index = 1
    private var segmentIndex = 0
    /// The integral of the rate up to the start of the current segment.
    private var integralBefore = 0.0
    private var segmentStart = 0.0
    private var current: Double?

    public init(schedule: ArrivalSchedule) {
        self.schedule = schedule
        current = locate()
    }

    /// Returns the due time of request `index`, nil once every request has been returned.
    public func peek() -> Double? { current }

    public mutating func advance() {
        guard current != nil else { return }
        index += 1
        current = locate()
    }

    private mutating func locate() -> Double? {
        guard index <= schedule.totalRequests else { return nil }
        let target = Double(index)
        while segmentIndex < schedule.segments.count {
            let segment = schedule.segments[segmentIndex]
            let integralAfter = integralBefore + segment.requests
            if target <= integralAfter + 1e-9 || segmentIndex == schedule.segments.count - 1 {
                let offset = segment.offset(reaching: min(segment.requests, target - integralBefore))
                return segmentStart + offset
            }
            integralBefore = integralAfter
            segmentStart += segment.duration
            segmentIndex += 1
        }
        return nil
    }
}
