import FleetModel

/// One latency histogram split over HTTP status labels.
///
/// The model keeps a single latency histogram per pod (and one for the ingress) across all
/// statuses, while the real exporters label each series by status. Each tick this splits the
/// tick's new observations over the statuses in proportion to the tick's new requests of each
/// status and adds them to per-status cumulative series. Summed over `status` the series equal
/// the model's histogram exactly, every series only grows (no false counter resets), and the
/// per-status `_count` follows the request counter. Per-status shapes are approximate: within a
/// tick every status gets the same latency distribution.
struct StatusSplitHistogram: Sendable {
    /// Upper bounds of the exported buckets, seconds.
    let bounds: [Double]
    /// The model's cumulative counts at `bounds`, then the total count, at the last update.
    private var previous: [Double]
    private var previousSum = 0.0
    private var previousRequests = StatusCounts()
    /// Per status code: cumulative counts at `bounds` then the total, and the sum.
    private(set) var series: [Int: (cumulative: [Double], sum: Double)] = [:]

    init(bounds: [Double]) {
        self.bounds = bounds
        previous = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Adds what the cumulative `histogram` and `requests` gained since the last update.
    mutating func update(histogram: LatencyHistogram, requests: StatusCounts) {
        let current = histogram.cumulativeCounts(at: bounds) + [histogram.count]
        let delta = zip(current, previous).map { max(0, $0 - $1) }
        let sumDelta = max(0, histogram.sum - previousSum)
        let before = Dictionary(uniqueKeysWithValues: previousRequests.byCode.map { ($0.code, $0.count) })
        var shares = requests.byCode.map { (code: $0.code, count: max(0, $0.count - (before[$0.code] ?? 0))) }
        let total = shares.reduce(0) { $0 + $1.count }
        if total <= 0 { shares = [(200, 1)] }
        let denominator = total > 0 ? total : 1
        if delta.last ?? 0 > 0 {
            for (code, count) in shares where count > 0 {
                let share = count / denominator
                var entry = series[code] ?? (Array(repeating: 0, count: bounds.count + 1), 0)
                for index in entry.cumulative.indices { entry.cumulative[index] += delta[index] * share }
                entry.sum += sumDelta * share
                series[code] = entry
            }
        }
        previous = current
        previousSum = histogram.sum
        previousRequests = requests
    }
}
