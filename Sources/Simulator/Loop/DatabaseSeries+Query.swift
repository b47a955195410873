extension DatabaseSeries {
    /// Recognizes `query` as the loader's default query for one database reading: `max(…)` or
    /// `sum(…)` of one gauge, with an optional selector inserted into its braces, such as
    /// `sum(pg_stat_activity_count{state="active",instance="db-0:9187"})`. Returns nil for any
    /// other query.
    ///
    /// The fleet has one PostgreSQL and one PgBouncer pool, so the simulator takes a selector to
    /// pick their series whatever its matchers name. With one series, `max` and `sum` agree. Only
    /// `state`, which tells `pg_stat_activity_count`'s series apart, must be an equality.
    public init?(query: String) {
        let text = Self.removingSpaces(query)
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return nil }
        guard text[..<open] == "max" || text[..<open] == "sum" else { return nil }
        let selector = text[text.index(after: open)..<text.index(before: text.endIndex)]

        var name = selector
        var matchers: [(label: Substring, operator: Substring, value: Substring)] = []
        if let brace = selector.firstIndex(of: "{") {
            guard selector.hasSuffix("}") else { return nil }
            name = selector[..<brace]
            let body = selector[selector.index(after: brace)..<selector.index(before: selector.endIndex)]
            guard let parsed = Self.matchers(body) else { return nil }
            matchers = parsed
        }
        let states = matchers.filter { $0.label == "state" }
        guard states.count <= 1, states.allSatisfy({ $0.operator == "=" }) else { return nil }
        let key = states.first.map { "\(name){state=\"\($0.value)\"}" } ?? String(name)
        guard let series = DatabaseSeries(rawValue: key) else { return nil }
        self = series
    }

    /// Returns `text` without whitespace outside quoted strings.
    static func removingSpaces(_ text: String) -> Substring {
        var result = ""
        var quote: Character?
        var escaped = false
        for character in text {
            if let open = quote {
                result.append(character)
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
            } else if !character.isWhitespace {
                if character == "\"" || character == "'" { quote = character }
                result.append(character)
            }
        }
        return Substring(result)
    }

    /// Splits the body of a selector's braces into label matchers: `label op "value"`, comma
    /// separated, with a trailing comma allowed. Returns nil when it is not a list of matchers.
    static func matchers(_ body: Substring) -> [(label: Substring, operator: Substring, value: Substring)]? {
        var result: [(label: Substring, operator: Substring, value: Substring)] = []
        var rest = body
        while !rest.isEmpty {
            let labelEnd = rest.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? rest.endIndex
            let label = rest[..<labelEnd]
            rest = rest[labelEnd...]
            guard !label.isEmpty,
                let op = ["=~", "!~", "!=", "="].first(where: { rest.hasPrefix($0) })
            else { return nil }
            rest = rest.dropFirst(op.count)
            guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
            var index = rest.index(after: rest.startIndex)
            var escaped = false
            while index < rest.endIndex, escaped || rest[index] != quote {
                escaped = !escaped && rest[index] == "\\"
                index = rest.index(after: index)
            }
            guard index < rest.endIndex else { return nil }
            result.append((label, Substring(op), rest[rest.index(after: rest.startIndex)..<index]))
            rest = rest[rest.index(after: index)...]
            if rest.first == "," {
                rest = rest.dropFirst()
            } else if !rest.isEmpty {
                return nil
            }
        }
        return result
    }
}
