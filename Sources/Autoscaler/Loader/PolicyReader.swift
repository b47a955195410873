import YAML

/// Reads YAML nodes into policy values, collecting every problem instead of stopping at
/// the first. Each `read` method returns `nil` for a value it reported as invalid.
struct PolicyReader {
    let file: String
    private(set) var problems: [PolicyProblem] = []
    /// The target being read; problems found meanwhile invalidate it.
    var targetIndex: Int?
    /// Prometheus's scrape interval as the policy states it, which bounds panic windows.
    var scrapeIntervalSeconds = PolicyReader.defaultScrapeIntervalSeconds

    static let defaultScrapeIntervalSeconds = 15.0

    init(file: String) {
        self.file = file
    }

    /// Records a problem at `node`'s mark.
    mutating func report(_ node: YAMLNode, _ path: String, _ message: String) {
        report(at: node.mark, path, message)
    }

    mutating func report(at mark: YAMLMark, _ path: String, _ message: String) {
        problems.append(
            PolicyProblem(
                file: file,
                line: mark.line,
                column: mark.column,
                path: path,
                message: message,
                targetIndex: targetIndex
            )
        )
    }

    /// Number of problems recorded so far against `index`.
    func problemCount(forTarget index: Int) -> Int {
        problems.filter { $0.targetIndex == index }.count
    }

    /// Checks that `node` is a mapping with string keys from `allowed`, each at most once.
    /// An unknown key gets a "did you mean" hint from `allowed` or from `synonyms`, which maps
    /// keys of other tools (`queueLength`, `threshold`) to the key Headroom uses instead.
    /// Returns false, after reporting it, when `node` is not a mapping or uses a merge key.
    mutating func checkMapping(
        _ node: YAMLNode,
        _ path: String,
        allowed: [String],
        synonyms: [String: String] = [:]
    ) -> Bool {
        guard let pairs = node.pairs else {
            report(node, path, "expected a mapping, found a \(node.kindName)")
            return false
        }
        // The parser keeps `<<` as an ordinary key, so the merged keys would be reported as
        // missing one by one. One problem for the mapping states what to do instead.
        if let merge = pairs.first(where: { $0.key.scalar?.value == "<<" }) {
            report(merge.key, Self.join(path, "<<"), "merge keys (<<) are not supported; repeat the keys")
            return false
        }
        var seen: [String: YAMLMark] = [:]
        for pair in pairs {
            guard let key = pair.key.scalar?.value else {
                report(pair.key, path, "expected a string key, found a \(pair.key.kindName)")
                continue
            }
            let keyPath = Self.join(path, key)
            if let first = seen[key] {
                report(pair.key, keyPath, "duplicate key \"\(key)\" (first at line \(first.line)); remove one")
                continue
            }
            seen[key] = pair.key.mark
            guard !allowed.contains(key) else { continue }
            report(pair.key, keyPath, unknownKeyMessage(key, allowed: allowed, synonyms: synonyms))
        }
        return true
    }

    private func unknownKeyMessage(_ key: String, allowed: [String], synonyms: [String: String]) -> String {
        var message = "unknown key \"\(key)\""
        if let suggestion = EditDistance.suggestion(for: key, among: allowed) {
            message += "; did you mean \"\(suggestion)\"?"
        } else if let synonym = EditDistance.suggestion(for: key, among: Array(synonyms.keys).sorted()),
            let replacement = synonyms[synonym]
        {
            message += "; did you mean \"\(replacement)\"? (other autoscalers call it \"\(synonym)\")"
        }
        return Self.continued(message) + "Allowed keys: \(allowed.joined(separator: ", "))"
    }

    /// Returns a non-null scalar's text, or `nil` after reporting what was found instead.
    mutating func string(_ node: YAMLNode, _ path: String) -> String? {
        guard let scalar = node.scalar else {
            report(node, path, "expected a string, found a \(node.kindName)")
            return nil
        }
        guard !scalar.isNull else {
            report(node, path, "missing value; expected a string")
            return nil
        }
        return scalar.value
    }

    /// Returns a plain integer within `range`, or `nil` after reporting the value.
    mutating func int(_ node: YAMLNode, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, let value = scalar.intValue else {
            if let scalar = node.scalar, Self.isIntegerLiteral(scalar) {
                // Digits only, so Int(_:) failed because the number does not fit in Int.
                let message =
                    scalar.value.hasPrefix("-")
                    ? "the number is too small; the allowed minimum is \(range.lowerBound)"
                    : "the number is too large; the allowed maximum is \(range.upperBound)"
                report(node, path, "invalid value \"\(scalar.value)\": \(message)")
                return nil
            }
            report(node, path, "invalid value \(Self.quote(node)): expected an integer, \(Self.text(range))")
            return nil
        }
        guard range.contains(value) else {
            report(node, path, "invalid value \(value): must be \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// Returns true when `scalar` is a plain decimal integer (optional sign, digits), whatever its size.
    static func isIntegerLiteral(_ scalar: YAMLScalar) -> Bool {
        var digits = Substring(scalar.value)
        if let sign = digits.first, sign == "-" || sign == "+" { digits = digits.dropFirst() }
        return scalar.doubleValue != nil && !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Returns a plain finite number accepted by `isAllowed`, whose rule `allowed` states.
    mutating func double(_ node: YAMLNode, _ path: String, allowed: String, where isAllowed: (Double) -> Bool)
        -> Double?
    {
        guard let value = node.scalar?.doubleValue, value.isFinite else {
            if let text = node.scalar?.value, SignalTarget.overflowsDouble(text) {
                report(node, path, "invalid value \"\(text)\": the number is too large; expected a number \(allowed)")
            } else {
                report(node, path, "invalid value \(Self.quote(node)): expected a number \(allowed)")
            }
            return nil
        }
        guard isAllowed(value) else {
            report(node, path, "invalid value \(Self.quote(node)): must be \(allowed)")
            return nil
        }
        return value
    }

    /// Returns one of `E`'s cases by raw value, reporting a near miss with "did you mean".
    mutating func choice<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ path: String, as type: E.Type)
        -> E? where E.RawValue == String
    {
        guard let text = string(node, path) else { return nil }
        if let value = E(rawValue: text) { return value }
        let allowed = E.allCases.map(\.rawValue)
        var message = "invalid value \"\(text)\""
        if let suggestion = EditDistance.suggestion(for: text, among: allowed) {
            message += "; did you mean \"\(suggestion)\"?"
        }
        report(node, path, Self.continued(message) + "Allowed values: \(allowed.joined(separator: ", "))")
        return nil
    }

    /// `message` ended so another sentence can follow.
    static func continued(_ message: String) -> String {
        message.hasSuffix("?") || message.hasSuffix(")") ? message + " " : message + ". "
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Returns the node's text as written in the file, quoted, for messages.
    static func quote(_ node: YAMLNode) -> String {
        guard let scalar = node.scalar else { return "(a \(node.kindName))" }
        return "\"\(scalar.value)\""
    }

    static func text(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int(Int32.max)
            ? "\(range.lowerBound) or more" : "\(range.lowerBound) to \(range.upperBound)"
    }
}
