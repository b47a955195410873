import Synchronization

/// The Prometheus metric types this registry exposes.
public enum MetricType: String, Sendable {
    case counter
    case gauge
    case histogram
}

/// A named metric with fixed label names and one series per distinct set of label values.
public final class MetricFamily: Sendable {
    public let name: String
    public let help: String
    public let type: MetricType
    public let labelNames: [String]
    /// Upper bounds of histogram buckets, ascending, without `+Inf`; empty for other types.
    public let buckets: [Double]

    private let series = Mutex<[[String]: SeriesState]>([:])

    init(name: String, help: String, type: MetricType, labelNames: [String], buckets: [Double]) {
        self.name = name
        self.help = help
        self.type = type
        self.labelNames = labelNames
        self.buckets = buckets
        // A family without labels has exactly one series, exported from the start at 0, so
        // `rate()` and `increase()` see the first increment.
        if labelNames.isEmpty {
            series.withLock { $0[[]] = SeriesState(bucketCount: buckets.count) }
        }
    }

    /// Adds `amount` to a counter or gauge series, creating it at 0 first.
    /// A counter only goes up: a negative amount is a programming error.
    public func add(_ amount: Double, labels: [String] = []) {
        precondition(type != .counter || amount >= 0, "counter \(name) cannot decrease (amount \(amount))")
        precondition(type != .histogram, "use observe(_:labels:) on histogram \(name)")
        checkLabels(labels)
        series.withLock { $0[labels, default: SeriesState(bucketCount: 0)].value += amount }
    }

    /// Sets a gauge series to `value`.
    public func set(_ value: Double, labels: [String] = []) {
        precondition(type == .gauge, "set(_:labels:) is only for gauges, \(name) is a \(type)")
        checkLabels(labels)
        series.withLock { $0[labels, default: SeriesState(bucketCount: 0)].value = value }
    }

    /// Records one observation in a histogram series.
    public func observe(_ value: Double, labels: [String] = []) {
        precondition(type == .histogram, "observe(_:labels:) is only for histograms, \(name) is a \(type)")
        checkLabels(labels)
        series.withLock { all in
            var state = all[labels] ?? SeriesState(bucketCount: buckets.count)
            for (index, bound) in buckets.enumerated() where value <= bound {
                state.bucketCounts[index] += 1
            }
            state.count += 1
            state.value += value
            all[labels] = state
        }
    }

    /// Drops one series, for example the gauges of a target that left the policy.
    public func remove(labels: [String]) {
        series.withLock { _ = $0.removeValue(forKey: labels) }
    }

    /// Drops every series whose label values match `predicate`, for example a target's
    /// series of a label value that no longer applies (an old reason, a signal that left the
    /// policy), so the family's cardinality stays bounded by what is current.
    public func remove(where predicate: ([String]) -> Bool) {
        series.withLock { all in
            for labels in all.keys where predicate(labels) {
                all.removeValue(forKey: labels)
            }
        }
    }

    /// Returns the label values of every series, sorted, to find series to remove.
    public func seriesLabels() -> [[String]] {
        snapshot().map(\.labels)
    }

    /// Returns the current value of a counter or gauge series, or the sum of a histogram series.
    public func value(labels: [String] = []) -> Double? {
        series.withLock { $0[labels]?.value }
    }

    /// Returns the number of observations in a histogram series.
    public func count(labels: [String] = []) -> UInt64? {
        series.withLock { $0[labels]?.count }
    }

    func snapshot() -> [(labels: [String], state: SeriesState)] {
        series.withLock { all in
            all.map { (labels: $0.key, state: $0.value) }.sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
        }
    }

    private func checkLabels(_ labels: [String]) {
        precondition(
            labels.count == labelNames.count,
            "metric \(name) takes labels \(labelNames), got \(labels.count) values"
        )
    }
}

/// One series: the value (or histogram sum), the observation count and per-bucket counts.
struct SeriesState: Sendable {
    var value: Double = 0
    var count: UInt64 = 0
    var bucketCounts: [UInt64]

    init(bucketCount: Int) {
        bucketCounts = Array(repeating: 0, count: bucketCount)
    }
}
