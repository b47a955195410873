import Foundation

/// Durations written as in Go and Kubernetes: `500ms`, `30s`, `5m`, `1h30m`.
public enum PolicyDuration {
    /// Parses `text` into seconds; `nil` unless it is one or more `<number><unit>` parts with
    /// units `ms`, `s`, `m` or `h` and a total greater than 0.
    public static func seconds(_ text: String) -> Double? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            guard let scale = unitSeconds[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        guard total > 0, total.isFinite else { return nil }
        return total
    }

    /// Formats seconds back into the shortest of the accepted forms (`90s` as `1m30s`).
    public static func format(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "\(seconds)s" }
        let milliseconds = (seconds * 1000).rounded()
        guard milliseconds < 1e15 else { return "\(seconds)s" }
        var remaining = Int64(milliseconds)
        if remaining % 1000 != 0 { return "\(remaining)ms" }
        remaining /= 1000
        let hours = remaining / 3600
        let minutes = (remaining % 3600) / 60
        let secs = remaining % 60
        var text = ""
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if secs > 0 || text.isEmpty { text += "\(secs)s" }
        return text
    }

    static let unitSeconds: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3600]
}
