/// One raw sample of a series: scrape time in model seconds and the value.
public struct MetricSample: Sendable, Equatable {
    public var time: Double
    public var value: Double

    public init(time: Double, value: Double) {
        self.time = time
        self.value = value
    }
}

/// One cumulative histogram bucket: upper bound `le` and the count at or below it.
public struct HistogramBucket: Sendable, Equatable {
    public var upperBound: Double
    public var count: Double

    public init(upperBound: Double, count: Double) {
        self.upperBound = upperBound
        self.count = count
    }
}

/// PromQL's `rate()` and `histogram_quantile()` as Prometheus 2.x evaluates them, so that the
/// simulator's signals carry the same sampling and extrapolation errors as the real ones.
public enum PromQLFunctions {
    /// Returns the samples of `series` that a range selector `[range]` evaluated at `time` selects:
    /// Prometheus 2.x takes both ends of the range inclusively, compared in whole milliseconds.
    /// Samples after `visibleUntil` have not reached the TSDB yet and are left out.
    public static func select(
        _ series: [MetricSample],
        range: Double,
        at time: Double,
        visibleUntil: Double? = nil
    ) -> ArraySlice<MetricSample> {
        let end = min(milliseconds(time), milliseconds(visibleUntil ?? time))
        let start = milliseconds(time) - milliseconds(range)
        let lower = series.partitioningIndex { milliseconds($0.time) >= start }
        let upper = series.partitioningIndex { milliseconds($0.time) > end }
        return series[lower..<max(lower, upper)]
    }

    /// Returns `rate(series[range])` at `time`, or nil when the range contains fewer than 2 samples (the
    /// series is then absent from the result, as in Prometheus).
    ///
    /// The increase between the first and last sample (with counter resets added back) is
    /// extrapolated to each edge of the range when the sample nearest that edge is within
    /// 1.1 × the average sample interval of it, else by half an average interval; toward the
    /// start it never extrapolates past the point where the counter would have been 0.
    public static func rate(
        _ series: [MetricSample],
        range: Double,
        at time: Double,
        visibleUntil: Double? = nil
    ) -> Double? {
        let window = select(series, range: range, at: time, visibleUntil: visibleUntil)
        guard window.count >= 2, let first = window.first, let last = window.last else { return nil }

        var increase = last.value - first.value
        var previous = first.value
        for sample in window.dropFirst() {
            if sample.value < previous { increase += previous }
            previous = sample.value
        }

        let end = Double(milliseconds(time)) / 1000
        let start = end - Double(milliseconds(range)) / 1000
        let firstTime = Double(milliseconds(first.time)) / 1000
        let lastTime = Double(milliseconds(last.time)) / 1000
        let sampled = lastTime - firstTime
        let averageInterval = sampled / Double(window.count - 1)
        var toStart = firstTime - start
        let toEnd = end - lastTime
        if increase > 0 && first.value >= 0 {
            toStart = min(toStart, sampled * (first.value / increase))
        }
        let threshold = averageInterval * 1.1
        var interval = sampled
        interval += toStart < threshold ? toStart : averageInterval / 2
        interval += toEnd < threshold ? toEnd : averageInterval / 2
        return increase * (interval / sampled) / range
    }

    /// Returns `histogram_quantile(q, buckets)`. The result is NaN without a +Inf bucket, with
    /// fewer than 2 buckets or with no observations. When the rank falls into +Inf it is the
    /// upper bound of the second-highest bucket, else a linear interpolation inside the rank's bucket.
    /// Buckets with equal bounds are merged and decreasing counts are raised to the running
    /// maximum first, as Prometheus does for buckets scraped at slightly different moments.
    public static func histogramQuantile(_ q: Double, _ buckets: [HistogramBucket]) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        var sorted = buckets.sorted { $0.upperBound < $1.upperBound }
        guard let top = sorted.last, top.upperBound == .infinity else { return .nan }

        var merged: [HistogramBucket] = []
        for bucket in sorted {
            if let last = merged.last, last.upperBound == bucket.upperBound {
                merged[merged.count - 1].count += bucket.count
            } else {
                merged.append(bucket)
            }
        }
        sorted = merged
        var running = -Double.infinity
        for index in sorted.indices {
            running = max(running, sorted[index].count)
            sorted[index].count = running
        }
        guard sorted.count >= 2 else { return .nan }
        let observations = sorted[sorted.count - 1].count
        guard observations > 0 else { return .nan }

        var rank = q * observations
        let found = sorted.dropLast().firstIndex { $0.count >= rank } ?? sorted.count - 1
        if found == sorted.count - 1 { return sorted[sorted.count - 2].upperBound }
        if found == 0 && sorted[0].upperBound <= 0 { return sorted[0].upperBound }
        var lower = 0.0
        var count = sorted[found].count
        if found > 0 {
            lower = sorted[found - 1].upperBound
            count -= sorted[found - 1].count
            rank -= sorted[found - 1].count
        }
        return lower + (sorted[found].upperBound - lower) * (rank / count)
    }

    /// Converts model seconds to the whole milliseconds Prometheus stores timestamps in.
    static func milliseconds(_ seconds: Double) -> Int64 {
        Int64((seconds * 1000).rounded())
    }
}

extension Array {
    /// Returns the first index whose element satisfies `predicate`, for a predicate that is false and
    /// then true along the array (binary search).
    func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
