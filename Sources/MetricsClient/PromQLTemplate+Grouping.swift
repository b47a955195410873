extension PromQLTemplate {
    /// Whether `renderGrouped(_:)` can cover many targets with one query: every literal
    /// with placeholders is the value of an `=` or `=~` matcher and uses only
    /// single-character escapes such as `\\` and `\"`.
    public var isGroupable: Bool {
        pieces.allSatisfy { piece in
            guard case .literal(let literal) = piece else { return true }
            switch literal.matchOperator {
            case "=", "=~":
                return literal.parts.allSatisfy { part in
                    guard case .text(let text) = part else { return true }
                    return PromQLEscaping.unescapeStringLiteralContent(text) != nil
                }
            default: return false
            }
        }
    }

    /// Renders one query that selects the series of every target in `valueSets`.
    ///
    /// Each matcher with placeholders becomes a regex matcher whose placeholder is the
    /// alternation of every target's value, each regex-escaped: `ingress="{{name}}"` turns
    /// into `ingress=~"(?:api|web)"`. With two placeholders in one literal the regex also
    /// admits mixed combinations, so callers match series back to targets by label.
    /// Returns nil when the template is not groupable; throws when a value is missing.
    public func renderGrouped(_ valueSets: [[String: String]]) throws(MetricsError) -> String? {
        guard isGroupable else { return nil }
        var output = ""
        for piece in pieces {
            switch piece {
            case .text(let text):
                output += text
            case .literal(let literal):
                let regex = try groupedRegex(literal, valueSets)
                output += "=~"
                output.append(literal.quote)
                output += PromQLEscaping.stringLiteralContent(regex, quote: literal.quote)
                output.append(literal.quote)
            }
        }
        return output
    }

    private func groupedRegex(_ literal: Literal, _ valueSets: [[String: String]]) throws(MetricsError) -> String {
        var regex = ""
        for part in literal.parts {
            switch part {
            case .text(let text):
                // Text of a `=~` literal is regex already; text of a `=` literal is matched
                // literally, so it is read back and regex-escaped.
                let content = PromQLEscaping.unescapeStringLiteralContent(text) ?? text
                regex += literal.matchOperator == "=~" ? content : PromQLEscaping.regex(content)
            case .placeholder(let name):
                var alternatives = Set<String>()
                for values in valueSets {
                    guard let value = values[name] else {
                        throw .invalidTemplate(template: source, reason: "no value for placeholder {{\(name)}}")
                    }
                    alternatives.insert(PromQLEscaping.regex(value))
                }
                regex += "(?:" + alternatives.sorted().joined(separator: "|") + ")"
            }
        }
        return regex
    }
}
