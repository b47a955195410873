import Autoscaler
import Foundation
import Observability

/// The `/debug/decisions` body: every target's recent decisions as JSON, with anything that
/// looks like a credential replaced by `REDACTED`.
///
/// Decisions hold no credential by design, but a signal's failure detail quotes an error from
/// the HTTP client, which may name a URL with a password or a header. Every string is
/// scrubbed, so a future field cannot leak one either.
enum DecisionsDocument {
    static let redacted = Redaction.marker

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

    /// Returns `text` with every credential pattern replaced (see `Redaction`).
    static func redact(_ text: String) -> String {
        Redaction.redact(text)
    }
}
