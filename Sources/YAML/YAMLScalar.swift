/// A scalar's text as written, with the resolution rules Headroom applies to plain scalars.
public struct YAMLScalar: Sendable, Hashable {
    public let value: String
    public let style: YAMLScalarStyle
    /// The explicit tag, such as `!!str`, or `nil` when the text carried none.
    public let tag: String?
    public let mark: YAMLMark

    public init(value: String, style: YAMLScalarStyle, tag: String? = nil, mark: YAMLMark = .none) {
        self.value = value
        self.style = style
        self.tag = tag
        self.mark = mark
    }

    private var isPlainUntagged: Bool { style == .plain && tag == nil }

    /// True for a plain `""`, `~`, `null`, `Null` or `NULL`.
    public var isNull: Bool {
        isPlainUntagged && ["", "~", "null", "Null", "NULL"].contains(value)
    }

    /// The boolean a plain scalar stands for. Besides `true` and `false` (any case) this
    /// accepts YAML 1.1's `yes`, `no`, `on`, `off`, `y` and `n`, because kubectl and many
    /// other tools read them as booleans too.
    public var boolValue: Bool? {
        guard isPlainUntagged else { return nil }
        switch value.lowercased() {
        case "true", "yes", "on", "y": return true
        case "false", "no", "off", "n": return false
        default: return nil
        }
    }

    /// The integer a plain decimal scalar stands for (optional sign, digits, `_` separators
    /// not allowed); `nil` when it is not one or does not fit in `Int`.
    public var intValue: Int? {
        guard isPlainUntagged else { return nil }
        return Int(value)
    }

    /// The number a plain scalar stands for: decimal or exponent notation, and the YAML
    /// spellings `.inf`, `-.inf` and `.nan` (any case).
    public var doubleValue: Double? {
        guard isPlainUntagged, !value.isEmpty else { return nil }
        switch value.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default: break
        }
        let allowed = Set("0123456789+-.eE")
        guard value.allSatisfy({ allowed.contains($0) }), value.contains(where: \.isNumber) else {
            return nil
        }
        return Double(value)
    }

    /// Formats `value` as a YAML number: whole numbers without a fraction, others in
    /// Swift's shortest round-trip form, non-finite values in YAML's spelling.
    static func format(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value > 0 ? ".inf" : "-.inf" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return String(value)
    }
}
