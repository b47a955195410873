import Foundation

/// The evaluation times of a range query: `count` steps of `stepMilliseconds` from
/// `startMilliseconds`, all in whole Unix milliseconds (the resolution Prometheus stores), so
/// step times never drift and chunks meet exactly on step boundaries.
public struct RangeGrid: Sendable, Equatable {
    /// Prometheus rejects a range query with more than 11,000 steps per series
    /// ("exceeded maximum resolution of 11,000 points per timeseries"). A chunk of 11,000
    /// points spans 10,999 steps, one below the limit.
    public static let maxPointsPerQuery = 11_000

    public let startMilliseconds: Int64
    public let stepMilliseconds: Int64
    /// Number of evaluation times, at least 1.
    public let count: Int

    /// Creates a grid of `count` times from `startMilliseconds`. Traps on a step below 1 ms or
    /// a count below 1, because callers build grids from validated options.
    public init(startMilliseconds: Int64, stepMilliseconds: Int64, count: Int) {
        precondition(stepMilliseconds >= 1 && count >= 1, "a range grid needs a positive step and count")
        self.startMilliseconds = startMilliseconds
        self.stepMilliseconds = stepMilliseconds
        self.count = count
    }

    /// The grid from `start` through the last step at or before `end`, or nil when `end` is
    /// before `start` or the step is under 1 ms. Times are rounded to whole milliseconds.
    public init?(start: Date, end: Date, step: Duration) {
        let step = Self.milliseconds(step)
        let first = Int64((start.timeIntervalSince1970 * 1000).rounded())
        let last = Int64((end.timeIntervalSince1970 * 1000).rounded())
        guard step >= 1, last >= first else { return nil }
        self.init(startMilliseconds: first, stepMilliseconds: step, count: Int((last - first) / step) + 1)
    }

    /// Returns the time of step `index` (0 is the start).
    public func time(at index: Int) -> Date {
        Date(timeIntervalSince1970: Double(startMilliseconds + Int64(index) * stepMilliseconds) / 1000)
    }

    /// The last evaluation time.
    public var end: Date { time(at: count - 1) }

    public var step: Duration { .milliseconds(stepMilliseconds) }

    /// Returns the index of the step at `timestamp` (Unix seconds), or nil when no step of the
    /// grid falls on it.
    public func index(of timestamp: Double) -> Int? {
        guard timestamp.isFinite, abs(timestamp) < 1e12 else { return nil }
        let offset = Int64((timestamp * 1000).rounded()) - startMilliseconds
        guard offset >= 0, offset % stepMilliseconds == 0 else { return nil }
        let index = offset / stepMilliseconds
        return index < Int64(count) ? Int(index) : nil
    }

    /// Splits the grid into consecutive grids of at most `maxPoints` steps each. Each chunk
    /// starts one step after the previous one ends, so no step is queried twice or skipped.
    public func chunks(maxPoints: Int = RangeGrid.maxPointsPerQuery) -> [(offset: Int, grid: RangeGrid)] {
        let size = max(maxPoints, 1)
        return stride(from: 0, to: count, by: size).map { offset in
            let grid = RangeGrid(
                startMilliseconds: startMilliseconds + Int64(offset) * stepMilliseconds,
                stepMilliseconds: stepMilliseconds,
                count: min(size, count - offset)
            )
            return (offset, grid)
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
