import Foundation

/// One sample of the Prometheus text exposition format.
public struct PrometheusSample: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var value: Double
}

/// A reader of the Prometheus text exposition format, enough for checking exporters in tests
/// and for the runner's spot reads. It skips comments and timestamps.
public enum PrometheusText {
    /// Parses every sample line. Lines it cannot read are skipped.
    public static func parse(_ text: String) -> [PrometheusSample] {
        text.split(separator: "\n").compactMap { parseLine(Substring($0)) }
    }

    /// Returns the value of the first sample named `name` whose labels include `labels`.
    public static func value(of name: String, labels: [String: String] = [:], in text: String) -> Double? {
        samples(named: name, labels: labels, in: text).first?.value
    }

    /// Returns every sample named `name` whose labels include `labels`.
    public static func samples(named name: String, labels: [String: String] = [:], in text: String)
        -> [PrometheusSample]
    {
        parse(text).filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    static func parseLine(_ line: Substring) -> PrometheusSample? {
        let trimmed = line.drop { $0 == " " }
        guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
        var index = trimmed.startIndex
        while index < trimmed.endIndex, trimmed[index] != "{", trimmed[index] != " " {
            index = trimmed.index(after: index)
        }
        let name = String(trimmed[..<index])
        var labels: [String: String] = [:]
        if index < trimmed.endIndex, trimmed[index] == "{" {
            index = trimmed.index(after: index)
            while index < trimmed.endIndex, trimmed[index] != "}" {
                guard let equals = trimmed[index...].firstIndex(of: "=") else { return nil }
                let key = trimmed[index..<equals].trimmingCharacters(in: [" ", ","])
                var cursor = trimmed.index(after: equals)
                guard cursor < trimmed.endIndex, trimmed[cursor] == "\"" else { return nil }
                cursor = trimmed.index(after: cursor)
                var value = ""
                while cursor < trimmed.endIndex, trimmed[cursor] != "\"" {
                    if trimmed[cursor] == "\\" {
                        cursor = trimmed.index(after: cursor)
                        guard cursor < trimmed.endIndex else { return nil }
                        switch trimmed[cursor] {
                        case "n": value.append("\n")
                        default: value.append(trimmed[cursor])
                        }
                    } else {
                        value.append(trimmed[cursor])
                    }
                    cursor = trimmed.index(after: cursor)
                }
                guard cursor < trimmed.endIndex else { return nil }
                labels[key] = value
                index = trimmed.index(after: cursor)
                while index < trimmed.endIndex, trimmed[index] == "," || trimmed[index] == " " {
                    index = trimmed.index(after: index)
                }
            }
            guard index < trimmed.endIndex else { return nil }
            index = trimmed.index(after: index)
        }
        let fields = trimmed[index...].split(separator: " ")
        guard let first = fields.first, let value = parseValue(first) else { return nil }
        return PrometheusSample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }
}
