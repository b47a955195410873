import Autoscaler
import Foundation

/// The options of `headroom replay`, as parsed from its command line.
struct ReplayOptions: Equatable {
    var policyPath = ""
    var prometheusURL = "http://127.0.0.1:9090"
    var start = Date(timeIntervalSince1970: 0)
    var end = Date(timeIntervalSince1970: 0)
    /// Seconds between two replayed cycles, as `headroom run --interval`.
    var stepSeconds: Double = 15
    /// PromQL template of the replicas that existed; nil picks `ReplicasQuery.default(for:)`.
    var replicasQuery: String?
    var plotPath: String?
    var csvPath: String?

    /// More steps than this would take hours of engine time and memory for one replay.
    static let maxSteps = 2_000_000

    struct UsageError: Error, Equatable {
        let message: String
    }

    private static let valuedOptions: Set<String> = [
        "--policy", "--prometheus", "--start", "--end", "--step", "--replicas-query", "--plot", "--csv",
    ]

    /// Parses `arguments`; each option also takes the `--option=value` form.
    static func parse(_ arguments: [String]) -> Result<ReplayOptions, UsageError> {
        Result { () throws(UsageError) -> ReplayOptions in try parseOrThrow(arguments) }
    }

    private static func parseOrThrow(_ arguments: [String]) throws(UsageError) -> ReplayOptions {
        var options = ReplayOptions()
        var seen = Set<String>()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else { throw UsageError(message: "unknown argument '\(argument)'") }
            var flag = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard valuedOptions.contains(flag) else { throw UsageError(message: "unknown option '\(flag)'") }
            if value == nil {
                guard index < arguments.count else { throw UsageError(message: "'\(flag)' needs a value") }
                value = arguments[index]
                index += 1
            }
            guard seen.insert(flag).inserted else { throw UsageError(message: "'\(flag)' given more than once") }
            try options.apply(flag, value ?? "")
        }
        for required in ["--policy", "--start", "--end"] where !seen.contains(required) {
            throw UsageError(message: "missing '\(required)'")
        }
        guard options.end > options.start else {
            throw UsageError(message: "'--end' must be after '--start'; swap them or widen the range")
        }
        let steps = options.end.timeIntervalSince(options.start) / options.stepSeconds
        guard steps < Double(maxSteps) else {
            throw UsageError(
                message:
                    "'--start' to '--end' is \(Int(steps)) steps of \(PolicyDuration.format(seconds: options.stepSeconds)), "
                    + "more than \(maxSteps); use a larger '--step' or a shorter range"
            )
        }
        return options
    }

    private mutating func apply(_ flag: String, _ value: String) throws(UsageError) {
        switch flag {
        case "--policy": policyPath = try Self.nonEmpty(flag, value)
        case "--prometheus":
            guard value.hasPrefix("http://") || value.hasPrefix("https://") else {
                throw UsageError(message: "'--prometheus' needs an http:// or https:// URL; got '\(value)'")
            }
            prometheusURL = value
        case "--start": start = try Self.time(flag, value)
        case "--end": end = try Self.time(flag, value)
        case "--step":
            guard let seconds = PolicyDuration.seconds(value), seconds >= 1, seconds <= 86_400 else {
                throw UsageError(message: "'--step' needs a duration from 1s to 24h, such as 15s; got '\(value)'")
            }
            stepSeconds = seconds
        case "--replicas-query": replicasQuery = try Self.nonEmpty(flag, value)
        case "--plot": plotPath = try Self.nonEmpty(flag, value)
        case "--csv": csvPath = try Self.nonEmpty(flag, value)
        default: throw UsageError(message: "unknown option '\(flag)'")
        }
    }

    private static func nonEmpty(_ flag: String, _ value: String) throws(UsageError) -> String {
        guard !value.isEmpty else { throw UsageError(message: "'\(flag)' needs a non-empty value") }
        return value
    }

    /// Parses an RFC 3339 time (`2024-05-01T10:00:00Z`, fractional seconds and offsets
    /// allowed) or Unix seconds (`1714557600`), the two forms the Prometheus API accepts.
    static func time(_ flag: String, _ value: String) throws(UsageError) -> Date {
        if let seconds = Double(value), seconds.isFinite, seconds >= 0, seconds < 1e11 {
            return Date(timeIntervalSince1970: seconds)
        }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: value) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: value) { return date }
        throw UsageError(
            message: "'\(flag)' needs an RFC 3339 time such as 2024-05-01T10:00:00Z or Unix seconds; got '\(value)'"
        )
    }
}
