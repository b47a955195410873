import Foundation

/// A PromQL expression with `{{placeholder}}` slots for per-target values.
///
/// Placeholders may appear only inside quoted string literals (`"…"` or `'…'`), for
/// example `ingress="{{name}}"` or `pod=~"{{name}}-.*"`. Each value is escaped for the
/// literal it sits in: as a string literal, and also as an RE2 regex when the literal
/// follows `=~` or `!~`. So no value can end the literal or change the query around it.
/// A placeholder outside a quoted literal, or inside a backtick string (which has no
/// escapes), is rejected when the template is parsed.
public struct PromQLTemplate: Sendable, Hashable {
    public let source: String
    let pieces: [Piece]

    enum Piece: Sendable, Hashable {
        /// PromQL text copied as written.
        case text(String)
        /// A string literal that contains placeholders, with the matcher operator before it.
        case literal(Literal)
    }

    struct Literal: Sendable, Hashable {
        /// `=`, `!=`, `=~` or `!~` when the literal is a label matcher value, else nil.
        var matchOperator: String?
        var quote: Character
        var parts: [Part]

        var isRegex: Bool { matchOperator == "=~" || matchOperator == "!~" }
    }

    enum Part: Sendable, Hashable {
        /// Literal content as written in the template, escapes included.
        case text(String)
        case placeholder(String)
    }

    /// Parses `source`. Throws `.invalidTemplate` for a misplaced or malformed placeholder
    /// or an unterminated string.
    public init(_ source: String) throws(MetricsError) {
        self.source = source
        var parser = TemplateParser(source)
        pieces = try parser.parse()
    }

    /// The names of every placeholder in the template.
    public var placeholderNames: Set<String> {
        var names = Set<String>()
        for case .literal(let literal) in pieces {
            for case .placeholder(let name) in literal.parts {
                names.insert(name)
            }
        }
        return names
    }

    /// Fills in every placeholder from `values`. Throws `.invalidTemplate` naming the first
    /// placeholder that has no value.
    public func render(_ values: [String: String]) throws(MetricsError) -> String {
        var output = ""
        for piece in pieces {
            switch piece {
            case .text(let text):
                output += text
            case .literal(let literal):
                output += literal.matchOperator ?? ""
                output.append(literal.quote)
                for part in literal.parts {
                    switch part {
                    case .text(let text):
                        output += text
                    case .placeholder(let name):
                        guard let value = values[name] else {
                            throw .invalidTemplate(template: source, reason: "no value for placeholder {{\(name)}}")
                        }
                        let content = literal.isRegex ? PromQLEscaping.regex(value) : value
                        output += PromQLEscaping.stringLiteralContent(content, quote: literal.quote)
                    }
                }
                output.append(literal.quote)
            }
        }
        return output
    }
}

/// Fills in the names of placeholders in a label map value such as `{{name}}-canary`,
/// without escaping: the result is compared with label values, not placed in PromQL.
func substitutePlaceholders(_ text: String, _ values: [String: String]) -> String? {
    var output = ""
    var rest = Substring(text)
    while let open = rest.range(of: "{{") {
        output += rest[..<open.lowerBound]
        guard let close = rest[open.upperBound...].range(of: "}}") else { return nil }
        let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
        guard let value = values[name] else { return nil }
        output += value
        rest = rest[close.upperBound...]
    }
    return output + rest
}
