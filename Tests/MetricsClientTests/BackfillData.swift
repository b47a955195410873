import Foundation

/// The history backfilled into the integration tests' Prometheus, with the values the
/// tests expect worked out by hand in the comments.
enum BackfillData {
    /// The evaluation time of every query against the backfilled history (Unix seconds).
    static let evaluationTime: Double = 1_700_001_000
    static var evaluationDate: Date { Date(timeIntervalSince1970: evaluationTime) }

    /// OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`.
    static func openMetrics() -> String {
        let end = Int(evaluationTime)
        var lines: [String] = []

        // A counter that grows by 10 every 15 s from end-600 to end, so rate() over 5m at
        // `end` is 10 / 15 = 2/3 per second.
        for (index, time) in stride(from: end - 600, through: end, by: 15).enumerated() {
            lines.append("http_requests_total{service=\"api\"} \(10 * index) \(time)")
        }

        // Histogram buckets growing every 15 s by 2 (le 0.1), 6 (le 0.5), 9 (le 1) and
        // 10 (+Inf) observations. The median's rank is 5 of 10, inside the (0.1, 0.5]
        // bucket, which contains observations 3 to 6: 0.1 + (0.5 - 0.1) * (5 - 2) / (6 - 2) = 0.4.
        for (bound, increment) in [("0.1", 2), ("0.5", 6), ("1", 9), ("+Inf", 10)] {
            for (index, time) in stride(from: end - 600, through: end, by: 15).enumerated() {
                lines.append(
                    "request_duration_seconds_bucket{service=\"api\",le=\"\(bound)\"} \(increment * index) \(time)"
                )
            }
        }

        // One sample four minutes old and one ten seconds old.
        lines.append("queue_depth{queue=\"old\"} 7 \(end - 240)")
        lines.append("queue_depth{queue=\"fresh\"} 3 \(end - 10)")

        // Label values that would change a naively templated query, each with a decoy
        // series that the changed query would select.
        lines.append("deployment_replicas{name=\"a\\\"}b\"} 1 \(end - 10)")
        lines.append("deployment_replicas{name=\"a\"} 99 \(end - 10)")
        lines.append("deployment_replicas{name=\"a.b\"} 2 \(end - 10)")
        lines.append("deployment_replicas{name=\"axb\"} 98 \(end - 10)")

        // 100 services with one series each, and a copy where svc-7 has a second shard.
        for index in 0..<100 {
            lines.append("grouped_depth{service=\"svc-\(index)\",shard=\"0\"} \(index) \(end - 30)")
            lines.append("duplicated_depth{service=\"svc-\(index)\",shard=\"0\"} \(index) \(end - 30)")
        }
        lines.append("duplicated_depth{service=\"svc-7\",shard=\"1\"} 1000 \(end - 30)")

        return lines.joined(separator: "\n") + "\n# EOF\n"
    }
}
