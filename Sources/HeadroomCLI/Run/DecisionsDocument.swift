import Autoscaler
import Foundation

/// The `/debug/decisions` body: every target's recent decisions as JSON, with anything that
/// looks like a credential replaced by `REDACTED`.
///
/// Decisions hold no credential by design, but a signal's failure detail quotes an error from
/// the HTTP client, which may name a URL with a password or a header. Every string is
/// scrubbed, so a future field cannot leak one either.
enum DecisionsDocument {
    static let redacted = "REDACTED"

    /// Encodes `decisions` (keyed by target identity) with sorted keys and RFC 3339 times.
    static func render(_ decisions: [String: [RecordedDecision]]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Inf",
            negativeInfinity: "-Inf",
            nan: "NaN"
        )
        let plain = try JSONSerialization.jsonObject(with: encoder.encode(decisions), options: [.fragmentsAllowed])
        return try JSONSerialization.data(
            withJSONObject: scrub(plain),
            options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        )
    }

    /// Decodes a `render` output, as a client or test reads it.
    static func decode(_ data: Data) throws -> [String: [RecordedDecision]] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+Inf",
            negativeInfinity: "-Inf",
            nan: "NaN"
        )
        return try decoder.decode([String: [RecordedDecision]].self, from: data)
    }

    private static func scrub(_ value: Any) -> Any {
        switch value {
        case let text as String: redact(text)
        case let array as [Any]: array.map(scrub)
        case let object as [String: Any]: object.mapValues(scrub)
        default: value
        }
    }

    /// Patterns of credentials in free text: the password of a URL's user info, an
    /// `Authorization` scheme's parameter, and `key=value` or `key: value` pairs whose key names
    /// a secret.
    private static let patterns: [(NSRegularExpression, String)] = [
        (#"(://[^/\s:@]+:)[^@\s/]+@"#, "$1\(redacted)@"),
        (#"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+"#, "$1 \(redacted)"),
        (
            #"(?i)\b([A-Za-z_-]*(?:token|password|passwd|secret|api[_-]?key|credential)s?)(\s*[=:]\s*)"#
                + #"(?!REDACTED\b)[^\s,;&"']+"#,
            "$1$2\(redacted)"
        ),
    ].map { pattern, template in
        // The patterns are constants, so a failure here is a programming error the tests find.
        (try! NSRegularExpression(pattern: pattern), template)
    }

    /// Returns `text` with every credential pattern replaced.
    static func redact(_ text: String) -> String {
        var result = text
        for (expression, template) in patterns {
            let range = NSRange(result.startIndex..., in: result)
            result = expression.stringByReplacingMatches(in: result, range: range, withTemplate: template)
        }
        return result
    }
}
