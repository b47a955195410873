import Foundation

/// The history backfilled into Prometheus before it starts, relative to the test's start.
enum BackfilledHistory {
    /// Cumulative observation counts per bucket of `http_request_duration_seconds` added
    /// every 15 s. Every bucket series has the same sample times, so rate() scales all of
    /// them by the same factor and histogram_quantile() over the rates is exact:
    /// the p99 rank is 0.99 × 1000 = 990, which falls in the (0.5, 1] bucket holding
    /// observations 981 to 1000, so p99 = 0.5 + (1 - 0.5) × (990 - 980) / (1000 - 980) = 0.75 s.
    static let bucketIncrements: [(bound: String, count: Int)] = [
        ("0.1", 600), ("0.25", 900), ("0.5", 980), ("1", 1000), ("+Inf", 1000),
    ]

    /// OpenMetrics text for `promtool`: 20 minutes of buckets every 15 s up to `end`, and
    /// `queue_depth_stale` for the StatefulSet with its newest sample 3 minutes before `end`.
    ///
    /// The stale series carries the `job` and `instance` labels that scraping `liveAddress`
    /// adds, so when the live target starts serving it, the new samples continue the same
    /// series instead of adding a second one to the sum.
    static func openMetrics(end: Date, liveAddress: String) -> String {
        let last = Int(end.timeIntervalSince1970) - 1
        var lines = ["# TYPE http_request_duration_seconds histogram"]
        for (index, time) in stride(from: last - 1200, through: last, by: 15).enumerated() {
            for bucket in bucketIncrements {
                let labels = #"namespace="shop",deployment="api",le="\#(bucket.bound)""#
                lines.append("http_request_duration_seconds_bucket{\(labels)} \(bucket.count * index) \(time)")
            }
        }
        lines.append("# TYPE queue_depth_stale gauge")
        for time in stride(from: last - 600, through: last - 180, by: 15) {
            let labels = #"namespace="shop",statefulset="worker",job="live",instance="\#(liveAddress)""#
            lines.append("queue_depth_stale{\(labels)} 70 \(time)")
        }
        lines.append("# EOF")
        return lines.joined(separator: "\n") + "\n"
    }
}
