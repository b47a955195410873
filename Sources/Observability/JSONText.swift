/// JSON string and number rendering for log lines, without a Foundation encoder per record.
enum JSONText {
    /// `value` as a JSON string literal, escaping quotes, backslashes and control characters.
    static func quote(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Renders a metadata value as JSON. JSON has no NaN or infinity, so those become strings.
    static func value(_ value: LogValue) -> String {
        switch value {
        case .string(let text): quote(text)
        case .int(let number): String(number)
        case .bool(let flag): String(flag)
        case .double(let number): number.isFinite ? LogValue.format(number) : quote(LogValue.format(number))
        }
    }
}
