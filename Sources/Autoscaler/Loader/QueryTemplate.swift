import Foundation

/// Readers of a PromQL template for the policy loader: its placeholders and the unit its
/// metric names state. Rendering and escaping belong to the Prometheus client.
enum QueryTemplate {
    /// Names written as `{{name}}`, in order of appearance, without duplicates.
    static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "}}") else { break }
            let name = rest[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !names.contains(name) { names.append(name) }
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// Returns the unit stated by the suffixes of the metric names in `template` (`_seconds`,
    /// `_milliseconds`, `_ms`, `_bytes`, also before `_bucket` or `_sum`), and the metric that
    /// states it. `nil` when no name states a unit or names disagree. Counters (`_total`) and
    /// `_count` series state none, because queries take their rate, which has another unit
    /// (the rate of `container_cpu_usage_seconds_total` is in cores).
    static func statedUnit(of template: String) -> (unit: ValueUnit, metric: String)? {
        let found = statedUnits(of: template)
        guard let first = found.first, found.allSatisfy({ $0.unit == first.unit }) else { return nil }
        return first
    }

    /// Returns every metric name in `template` whose suffix states a unit, with that unit, in
    /// order of appearance. The rules are those of `statedUnit(of:)`.
    static func statedUnits(of template: String) -> [(unit: ValueUnit, metric: String)] {
        var found: [(unit: ValueUnit, metric: String)] = []
        for identifier in identifiers(in: strippedOfLabelsAndStrings(template)) {
            guard let unit = unit(ofMetric: identifier) else { continue }
            found.append((unit, identifier))
        }
        return found
    }

    static func unit(ofMetric name: String) -> ValueUnit? {
        var stem = Substring(name)
        if stem.hasSuffix("_total") || stem.hasSuffix("_count") { return nil }
        for suffix in ["_bucket", "_sum"] where stem.hasSuffix(suffix) {
            stem = stem.dropLast(suffix.count)
        }
        if stem.hasSuffix("_seconds") { return .seconds }
        if stem.hasSuffix("_milliseconds") || stem.hasSuffix("_ms") { return .milliseconds }
        if stem.hasSuffix("_bytes") { return .bytes }
        return nil
    }

    /// Returns the template without quoted strings and without the contents of `{...}` and `[...]`,
    /// so label values and range durations are not read as metric names.
    static func strippedOfLabelsAndStrings(_ template: String) -> String {
        var output = ""
        var depth = 0
        var quote: Character?
        var escaped = false
        for character in template {
            if let open = quote {
                if escaped {
                    escaped = false
                } else if character == "\\" && open != "`" {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
                continue
            }
            switch character {
            case "\"", "'", "`": quote = character
            case "{", "[": depth += 1
            case "}", "]": depth = max(0, depth - 1)
            default: if depth == 0 { output.append(character) }
            }
        }
        return output
    }

    static func identifiers(in text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for character in text {
            let isStart = character.isASCII && (character.isLetter || character == "_" || character == ":")
            if isStart || (!current.isEmpty && character.isASCII && character.isNumber) {
                current.append(character)
            } else {
                if !current.isEmpty { result.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
