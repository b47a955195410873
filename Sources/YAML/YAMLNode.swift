/// A position in the source text, 1-based, as an editor shows it.
public struct YAMLMark: Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The mark of a node built in code rather than parsed.
    public static let none = YAMLMark(line: 0, column: 0)

    public var description: String { "\(line):\(column)" }
}

/// The style a scalar was written in. Only plain scalars are resolved to booleans, numbers or null.
public enum YAMLScalarStyle: Sendable, Hashable {
    case plain
    case singleQuoted
    case doubleQuoted
    case literal
    case folded
}

/// One key and its value in a mapping.
public struct YAMLPair: Sendable {
    public let key: YAMLNode
    public let value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A node of a parsed document, with the mark where it starts.
public indirect enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode], mark: YAMLMark)
    /// Pairs in source order. Duplicate keys are kept so that a validator can report them.
    case mapping([YAMLPair], mark: YAMLMark)

    public var mark: YAMLMark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .sequence(_, let mark), .mapping(_, let mark): mark
        }
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let items, _) = self { return items }
        return nil
    }

    public var pairs: [YAMLPair]? {
        if case .mapping(let pairs, _) = self { return pairs }
        return nil
    }

    /// Returns the value of the first pair whose key is the scalar `key`, or `nil` for other
    /// node kinds.
    public subscript(key: String) -> YAMLNode? {
        pairs?.first { $0.key.scalar?.value == key }?.value
    }

    /// `scalar`, `sequence` or `mapping`, for error messages.
    public var kindName: String {
        switch self {
        case .scalar: "scalar"
        case .sequence: "sequence"
        case .mapping: "mapping"
        }
    }
}

extension YAMLNode {
    /// Returns a string scalar, double-quoted when plain style would read back as another type.
    public static func string(_ value: String) -> YAMLNode {
        let plain = YAMLScalar(value: value, style: .plain)
        let needsQuotes = plain.isNull || plain.boolValue != nil || plain.doubleValue != nil
        return .scalar(YAMLScalar(value: value, style: needsQuotes ? .doubleQuoted : .plain))
    }

    /// Returns a plain scalar with an integer.
    public static func int(_ value: Int) -> YAMLNode {
        .scalar(YAMLScalar(value: String(value), style: .plain))
    }

    /// Returns a plain scalar with a number. Whole numbers are written without a fraction.
    public static func double(_ value: Double) -> YAMLNode {
        .scalar(YAMLScalar(value: YAMLScalar.format(value), style: .plain))
    }

    /// Returns a plain scalar with `true` or `false`.
    public static func bool(_ value: Bool) -> YAMLNode {
        .scalar(YAMLScalar(value: value ? "true" : "false", style: .plain))
    }

    /// Returns a mapping built from keys and values, in the given order.
    public static func map(_ entries: [(String, YAMLNode)]) -> YAMLNode {
        .mapping(entries.map { YAMLPair(key: .string($0.0), value: $0.1) }, mark: .none)
    }

    /// Returns a sequence of the given nodes.
    public static func list(_ items: [YAMLNode]) -> YAMLNode {
        .sequence(items, mark: .none)
    }
}
