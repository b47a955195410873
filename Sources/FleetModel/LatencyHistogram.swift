import Foundation

/// Request counts by latency on a fixed fine grid of upper bounds, shared by every histogram of
/// the model so that they add bucket by bucket.
///
/// The grid is log-spaced (6 % apart) from 1 ms to 120 s, merged with the bucket bounds of the
/// exporters the testbed imitates, so those buckets are exact sums of grid buckets. Counts are
/// fractional: the model moves expected numbers of requests, not single requests.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, ascending. A last implicit bucket counts everything above.
    public static let bounds: [Double] = {
        var values: Set<Double> = []
        var bound = 0.001
        while bound < 120 {
            values.insert((bound * 1e6).rounded() / 1e6)
            bound *= 1.06
        }
        values.insert(120)
        // ingress-nginx and client_golang default buckets.
        for bound in [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] { values.insert(bound) }
        // Directus core's database histogram (milliseconds, here in seconds).
        for bound in [1.0, 10, 20, 40, 60, 80, 100, 200, 500, 750, 1000] { values.insert(bound / 1000) }
        // directus-extension-prometheus style request buckets used by the testbed.
        for bound in [0.02, 0.075, 0.2, 0.3, 0.75, 2, 30, 60] { values.insert(bound) }
        return values.sorted()
    }()

    /// Counts per bucket: `counts[i]` counts latencies in (bounds[i-1], bounds[i]], and the
    /// last entry counts latencies above the last bound.
    public private(set) var counts: [Double]
    /// Sum of all latencies observed, in seconds.
    public private(set) var sum: Double

    public init() {
        counts = Array(repeating: 0, count: Self.bounds.count + 1)
        sum = 0
    }

    /// Total count.
    public var count: Double { counts.reduce(0, +) }

    /// Adds `count` requests whose latency has the cumulative distribution `cdf` and the mean
    /// `mean`.
    public mutating func add(count: Double, mean: Double, cdf: (Double) -> Double) {
        guard count > 0 else { return }
        add(count: count, mean: mean, probabilities: Self.probabilities(cdf: cdf))
    }

    /// Adds `count` requests spread over the buckets by `probabilities` (from
    /// `probabilities(cdf:)`), with mean latency `mean`.
    mutating func add(count: Double, mean: Double, probabilities: [Double]) {
        guard count > 0 else { return }
        for index in counts.indices { counts[index] += count * probabilities[index] }
        sum += count * mean
    }

    /// Returns the share of a distribution in each bucket, from its cumulative distribution.
    static func probabilities(cdf: (Double) -> Double) -> [Double] {
        var result = [Double](repeating: 0, count: bounds.count + 1)
        var previous = 0.0
        for (index, bound) in bounds.enumerated() {
            let current = min(1, max(previous, cdf(bound)))
            result[index] = current - previous
            previous = current
        }
        result[bounds.count] = 1 - previous
        return result
    }

    /// Adds `count` requests of exactly `latency` seconds.
    public mutating func add(count: Double, latency: Double) {
        guard count > 0 else { return }
        counts[Self.bucketIndex(of: latency)] += count
        sum += count * latency
    }

    /// Adds counts laid out as `counts` (one per bound plus the overflow); their sum of
    /// latencies is estimated from bucket midpoints.
    public mutating func add(counts other: [Double]) {
        precondition(other.count == counts.count, "counts must follow LatencyHistogram.bounds")
        for index in counts.indices where other[index] > 0 {
            counts[index] += other[index]
            let upper = index < Self.bounds.count ? Self.bounds[index] : Self.bounds[Self.bounds.count - 1]
            let lower = index == 0 ? 0 : Self.bounds[index - 1]
            sum += other[index] * (lower + upper) / 2
        }
    }

    /// Adds another histogram bucket by bucket.
    public mutating func add(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        sum += other.sum
    }

    /// Returns the index of the bucket that counts `latency`.
    public static func bucketIndex(of latency: Double) -> Int {
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] < latency { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Cumulative counts at each of `upperBounds` (which must be grid bounds or lie between
    /// them; a bound between grid bounds takes the lower grid bound's count).
    public func cumulativeCounts(at upperBounds: [Double]) -> [Double] {
        var result: [Double] = []
        var running = 0.0
        var index = 0
        for bound in upperBounds {
            while index < Self.bounds.count && Self.bounds[index] <= bound * (1 + 1e-9) {
                running += counts[index]
                index += 1
            }
            result.append(running)
        }
        return result
    }

    /// Returns the `q` quantile, interpolated linearly inside its bucket as Prometheus'
    /// `histogram_quantile` does; nil when the histogram is empty.
    public func quantile(_ q: Double) -> Double? {
        let total = count
        guard total > 0 else { return nil }
        let rank = q * total
        var running = 0.0
        for (index, bucketCount) in counts.enumerated() {
            if running + bucketCount >= rank && bucketCount > 0 {
                guard index < Self.bounds.count else { return Self.bounds[Self.bounds.count - 1] }
                let lower = index == 0 ? 0 : Self.bounds[index - 1]
                let upper = Self.bounds[index]
                return lower + (upper - lower) * (rank - running) / bucketCount
            }
            running += bucketCount
        }
        return Self.bounds[Self.bounds.count - 1]
    }

    /// Mean latency; nil when empty.
    public var mean: Double? {
        let total = count
        return total > 0 ? sum / total : nil
    }
}
