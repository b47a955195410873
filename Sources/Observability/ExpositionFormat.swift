/// Rendering of metric families in the Prometheus text exposition format 0.0.4.
enum ExpositionFormat {
    static func render(_ family: MetricFamily) -> String {
        var output = "# HELP \(family.name) \(escapeHelp(family.help))\n"
        output += "# TYPE \(family.name) \(family.type.rawValue)\n"
        for (labels, state) in family.snapshot() {
            let pairs = Array(zip(family.labelNames, labels))
            switch family.type {
            case .counter, .gauge:
                output += "\(family.name)\(labelSet(pairs)) \(formatValue(state.value))\n"
            case .histogram:
                for (index, bound) in family.buckets.enumerated() {
                    let bucketPairs = pairs + [("le", formatValue(bound))]
                    output += "\(family.name)_bucket\(labelSet(bucketPairs)) \(state.bucketCounts[index])\n"
                }
                output += "\(family.name)_bucket\(labelSet(pairs + [("le", "+Inf")])) \(state.count)\n"
                output += "\(family.name)_sum\(labelSet(pairs)) \(formatValue(state.value))\n"
                output += "\(family.name)_count\(labelSet(pairs)) \(state.count)\n"
            }
        }
        return output
    }

    /// `{a="x",b="y"}`, or nothing for no labels.
    static func labelSet(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escapeLabelValue(_ value: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character, and its line feed must be escaped too.
        var result = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": result.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            default: result.append(scalar)
            }
        }
        return String(result)
    }

    /// HELP text escapes backslash and line feed only.
    static func escapeHelp(_ help: String) -> String {
        help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Numbers as Prometheus writes them: `NaN`, `+Inf`, `-Inf`, whole numbers without a
    /// fraction, others in shortest round-trip form.
    static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        let isStart = isLetter(first) || first == "_" || first == ":"
        return isStart && name.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" || $0 == ":" }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !name.hasPrefix("__") else { return false }
        return (isLetter(first) || first == "_")
            && name.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" }
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }
}
