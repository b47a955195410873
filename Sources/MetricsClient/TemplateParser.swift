/// Splits a PromQL template into text and string literals that contain placeholders.
struct TemplateParser {
    private let source: String
    private let characters: [Character]
    private var index = 0
    private var pieces: [PromQLTemplate.Piece] = []
    private var text = ""

    init(_ source: String) {
        self.source = source
        characters = Array(source)
    }

    mutating func parse() throws(MetricsError) -> [PromQLTemplate.Piece] {
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\"", "'":
                try parseQuotedLiteral(quote: character)
            case "`":
                let content = try scanRawString()
                guard !content.contains("{{") else {
                    throw invalid("placeholders cannot be used in backtick strings, which have no escapes")
                }
                text += "`\(content)`"
            case "#":
                while index < characters.count && characters[index] != "\n" {
                    text.append(characters[index])
                    index += 1
                }
            case "{" where peek(1) == "{":
                throw invalid("a placeholder must be inside a quoted string, such as label=\"{{name}}\"")
            default:
                text.append(character)
                index += 1
            }
        }
        flushText()
        return pieces
    }

    private mutating func parseQuotedLiteral(quote: Character) throws(MetricsError) {
        index += 1
        var content = ""
        while true {
            guard index < characters.count else { throw invalid("a string literal is not terminated") }
            let character = characters[index]
            if character == quote { break }
            if character == "\n" { throw invalid("a string literal contains a line break") }
            content.append(character)
            if character == "\\" && index + 1 < characters.count {
                content.append(characters[index + 1])
                index += 1
            }
            index += 1
        }
        index += 1

        let parts = try splitPlaceholders(content)
        guard parts.contains(where: { if case .placeholder = $0 { true } else { false } }) else {
            text += "\(quote)\(content)\(quote)"
            return
        }
        let matchOperator = takeTrailingMatchOperator()
        flushText()
        pieces.append(.literal(.init(matchOperator: matchOperator, quote: quote, parts: parts)))
    }

    /// Removes a label matcher operator (and the spaces after it) from the end of the
    /// pending text and returns it, or returns nil when the literal is not a matcher value.
    private mutating func takeTrailingMatchOperator() -> String? {
        let trimmed = String(text.reversed().drop(while: \.isWhitespace).reversed())
        for candidate in ["=~", "!~", "!="] where trimmed.hasSuffix(candidate) {
            text = String(trimmed.dropLast(2))
            return candidate
        }
        guard trimmed.hasSuffix("="), !trimmed.hasSuffix("=="), !trimmed.hasSuffix("<="),
            !trimmed.hasSuffix(">=")
        else {
            return nil
        }
        text = String(trimmed.dropLast())
        return "="
    }

    private func splitPlaceholders(_ content: String) throws(MetricsError) -> [PromQLTemplate.Part] {
        var parts: [PromQLTemplate.Part] = []
        var rest = Substring(content)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex {
                parts.append(.text(String(rest[..<open.lowerBound])))
            }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw invalid("a placeholder is missing its closing }}")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard isPlaceholderName(name) else {
                throw invalid("placeholder {{\(name)}} is not a valid name (letters, digits and _)")
            }
            parts.append(.placeholder(name))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty {
            parts.append(.text(String(rest)))
        }
        return parts
    }

    private mutating func scanRawString() throws(MetricsError) -> String {
        index += 1
        var content = ""
        while index < characters.count && characters[index] != "`" {
            content.append(characters[index])
            index += 1
        }
        guard index < characters.count else { throw invalid("a backtick string is not terminated") }
        index += 1
        return content
    }

    private func peek(_ offset: Int) -> Character? {
        index + offset < characters.count ? characters[index + offset] : nil
    }

    private mutating func flushText() {
        if !text.isEmpty {
            pieces.append(.text(text))
            text = ""
        }
    }

    private func invalid(_ reason: String) -> MetricsError {
        .invalidTemplate(template: source, reason: reason)
    }
}

private func isPlaceholderName(_ name: String) -> Bool {
    guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
    return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
}
