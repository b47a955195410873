import Foundation

/// Counts and latencies of the requests due in one timeline second.
public struct SecondRecord: Sendable, Equatable {
    public var second: Int
    public var scheduled = 0
    public var sent = 0
    /// Sent more than 1 s after the due time.
    public var late = 0
    public var status2xx = 0
    public var status4xx = 0
    public var status5xx = 0
    /// Responses with any other status (1xx, 3xx).
    public var statusOther = 0
    /// Transport errors and timeouts, and requests still in flight when the run ended.
    public var errors = 0
    /// Latencies in seconds from the due time of every request that got a response.
    public var latencies: [Double] = []
    /// Transfers in flight at the end of this wall second, nil until that moment passed.
    public var inflight: Int?

    public init(second: Int) {
        self.second = second
    }

    /// Requests that got a response or failed.
    public var finished: Int { status2xx + status4xx + status5xx + statusOther + errors }

    /// Adds a response with HTTP `status` and `latency` seconds from the due time.
    mutating func recordResponse(status: Int, latency: Double) {
        switch status {
        case 200..<300: status2xx += 1
        case 400..<500: status4xx += 1
        case 500..<600: status5xx += 1
        default: statusOther += 1
        }
        latencies.append(latency)
    }

    /// Formats the timeline line: one JSON object with the documented keys.
    func jsonLine() -> String {
        let sorted = latencies.sorted()
        return "{\"second\":\(second),\"scheduled\":\(scheduled),\"sent\":\(sent),\"late\":\(late),"
            + "\"status2xx\":\(status2xx),\"status4xx\":\(status4xx),\"status5xx\":\(status5xx),"
            + "\"statusOther\":\(statusOther),\"errors\":\(errors),"
            + "\"p50\":\(json(quantile(sorted, 0.5))),\"p99\":\(json(quantile(sorted, 0.99))),"
            + "\"max\":\(json(sorted.last)),\"inflight\":\(inflight ?? 0)}"
    }
}

/// Returns the nearest-rank quantile of ascending `sorted`: the value at rank ⌈q·n⌉, nil when empty.
/// The p50 of [1, 2, 3, 4] is 2 and the p99 of 100 values is the 99th smallest.
public func quantile(_ sorted: [Double], _ q: Double) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let rank = Int((q * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count, max(1, rank)) - 1]
}

/// Formats a JSON number to the microsecond, or `null` for nil.
func json(_ value: Double?) -> String {
    guard let value else { return "null" }
    return String(format: "%.6f", value)
}

/// The whole-run figures written to `--summary`.
public struct RunSummary: Sendable, Equatable {
    public var scheduled = 0
    public var sent = 0
    /// Sent at most 1 s after the due time.
    public var onTime = 0
    public var status2xx = 0
    public var status4xx = 0
    public var status5xx = 0
    public var statusOther = 0
    public var errors = 0
    /// Wall seconds from the start until the last request finished or was abandoned.
    public var durationSeconds = 0.0
    /// The schedule's length in wall seconds, up to the stop when a signal ended the run early.
    public var scheduleSeconds = 0.0
    /// Exact quantiles over every latency of the run, in seconds.
    public var p50: Double?
    public var p99: Double?
    public var max: Double?
    /// True when SIGINT or SIGTERM stopped sending before the schedule ended.
    public var interrupted = false

    public init() {}

    /// The bound below which a run is invalid.
    public static let validRatio = 0.95

    /// onTime / scheduled; 1 for an empty schedule, which nothing could have missed.
    public var achievedRatio: Double { scheduled > 0 ? Double(onTime) / Double(scheduled) : 1 }
    public var valid: Bool { achievedRatio >= Self.validRatio }
    /// Requests due per second of schedule.
    public var scheduledRate: Double { scheduleSeconds > 0 ? Double(scheduled) / scheduleSeconds : 0 }
    /// Requests sent on time per second of schedule, so achievedRate / scheduledRate = achievedRatio.
    public var achievedRate: Double { scheduleSeconds > 0 ? Double(onTime) / scheduleSeconds : 0 }

    func json() -> String {
        """
        {
          "scheduled": \(scheduled),
          "sent": \(sent),
          "onTime": \(onTime),
          "achievedRatio": \(String(format: "%.6f", achievedRatio)),
          "valid": \(valid),
          "interrupted": \(interrupted),
          "durationSeconds": \(String(format: "%.3f", durationSeconds)),
          "status2xx": \(status2xx),
          "status4xx": \(status4xx),
          "status5xx": \(status5xx),
          "statusOther": \(statusOther),
          "errors": \(errors),
          "p50": \(LoadGenerator.json(p50)),
          "p99": \(LoadGenerator.json(p99)),
          "max": \(LoadGenerator.json(max)),
          "scheduledRate": \(String(format: "%.3f", scheduledRate)),
          "achievedRate": \(String(format: "%.3f", achievedRate))
        }

        """
    }
}
