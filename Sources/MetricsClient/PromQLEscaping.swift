/// Escaping that keeps a value inside the PromQL string literal it is placed in.
public enum PromQLEscaping {
    /// Escapes `value` for use between `quote` characters of a PromQL string literal:
    /// backslash, the quote, and control characters (as `\n`, `\t`, `\r` or `\xNN`), which
    /// PromQL reads back as exactly `value`.
    public static func stringLiteralContent(_ value: String, quote: Character = "\"") -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case _ where Character(scalar) == quote: escaped += "\\" + String(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                escaped += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Escapes every RE2 metacharacter in `value`, so a regex matcher matches exactly
    /// `value`. The result still needs `stringLiteralContent(_:quote:)`.
    public static func regex(_ value: String) -> String {
        let metacharacters: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"]
        var escaped = ""
        for character in value {
            if metacharacters.contains(character) {
                escaped.append("\\")
            }
            escaped.append(character)
        }
        return escaped
    }

    /// Reads back the content of a string literal as written in a template. Returns nil for
    /// escapes other than the single-character ones (`\xNN`, `\uNNNN` and octal escapes).
    static func unescapeStringLiteralContent(_ content: String) -> String? {
        var result = ""
        var iterator = content.makeIterator()
        while let character = iterator.next() {
            guard character == "\\" else {
                result.append(character)
                continue
            }
            switch iterator.next() {
            case "\\": result.append("\\")
            case "\"": result.append("\"")
            case "'": result.append("'")
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "a": result.append("\u{07}")
            case "b": result.append("\u{08}")
            case "f": result.append("\u{0C}")
            case "v": result.append("\u{0B}")
            default: return nil
            }
        }
        return result
    }
}
