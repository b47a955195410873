import Foundation

/// The two Kubernetes timestamp formats: `metav1.Time` (RFC 3339, whole seconds, UTC) and
/// `metav1.MicroTime` (RFC 3339 with exactly 6 fractional digits, UTC).
public enum KubeTime {
    /// Such as `2026-12-04T10:05:42Z`; fractions of a second are dropped.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Such as `2026-12-04T10:05:42.123456Z`: microseconds, rounded, always 6 digits.
    public static func formatMicro(_ date: Date) -> String {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let wholeSeconds = (totalMicros / 1_000_000).rounded(.down)
        let micros = Int(totalMicros - wholeSeconds * 1_000_000)
        let base = format(Date(timeIntervalSince1970: wholeSeconds)).dropLast()
        return "\(base).\(String(format: "%06d", micros))Z"
    }

    /// Parses RFC 3339 with or without a fraction and with `Z` or an offset.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let dot = text.firstIndex(of: ".") else { return formatter.date(from: text) }
        // Parse the fraction by hand: ISO8601DateFormatter keeps only milliseconds.
        let digits = text[text.index(after: dot)...].prefix { $0.isNumber }
        guard !digits.isEmpty, let fraction = Double("0." + digits) else { return nil }
        let rest = text[text.index(dot, offsetBy: digits.count + 1)...]
        guard let seconds = formatter.date(from: String(text[..<dot]) + rest) else { return nil }
        return seconds.addingTimeInterval(fraction)
    }

    /// Parses a MicroTime, which must carry exactly 6 fractional digits.
    public static func parseMicro(_ text: String) -> Date? {
        guard let dot = text.firstIndex(of: ".") else { return nil }
        let digits = text[text.index(after: dot)...].prefix { $0.isNumber }
        guard digits.count == 6 else { return nil }
        return parse(text)
    }
}
