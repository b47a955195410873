import Foundation

/// Writes the Prometheus text exposition format 0.0.4. Values may be fractional because the
/// model moves expected numbers of requests; Prometheus accepts any float for counters and
/// bucket counts.
struct MetricsText {
    private(set) var text = ""

    /// Starts a metric family with its HELP and TYPE lines.
    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += "\(name)\(Self.labelSet(labels)) \(Self.format(value))\n"
    }

    /// One histogram series: `cumulative[i]` is the count at or below `bounds[i]`, written with
    /// the `le` text `boundLabels[i]`; `count` is the `+Inf` bucket.
    mutating func histogram(
        _ name: String,
        _ labels: [(String, String)],
        boundLabels: [String],
        cumulative: [Double],
        sum: Double,
        count: Double
    ) {
        // Rounding in the model's sums can leave a later bucket a hair below an earlier one;
        // Prometheus expects cumulative buckets never to fall.
        var running = 0.0
        for (bound, value) in zip(boundLabels, cumulative) {
            running = max(running, value)
            sample(name + "_bucket", labels + [("le", bound)], running)
        }
        let total = max(running, count)
        sample(name + "_bucket", labels + [("le", "+Inf")], total)
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, total)
    }

    static func labelSet(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        let pairs = labels.map { name, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(name)=\"\(escaped)\""
        }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    /// Whole numbers without a fraction, others in shortest round-trip form, as Prometheus'
    /// own client libraries write them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Formats a bucket bound for the `le` label in shortest form, such as `0.005` or `2.5`.
    static func boundLabel(_ bound: Double) -> String { format(bound) }
}
