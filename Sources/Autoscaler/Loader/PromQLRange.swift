/// Rewrites the range selectors of a PromQL expression, for panic mode's short-window copy of
/// a signal.
enum PromQLRange {
    struct Problem: Error, Equatable {
        let message: String
    }

    /// Returns `query` with every range selector (`[1m]`) replaced by `[window]`. Brackets in
    /// string literals are left alone. A subquery (`[5m:30s]`) or a query with no range selector
    /// fails, because its window cannot be shortened the same way.
    static func replacingRanges(in query: String, with window: String) -> Result<String, Problem> {
        var output = ""
        var quote: Character?
        var escaped = false
        var replaced = 0
        var index = query.startIndex
        while index < query.endIndex {
            let character = query[index]
            if let open = quote {
                output.append(character)
                if escaped {
                    escaped = false
                } else if character == "\\" && open != "`" {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
                index = query.index(after: index)
                continue
            }
            if character == "\"" || character == "'" || character == "`" {
                quote = character
                output.append(character)
                index = query.index(after: index)
                continue
            }
            guard character == "[" else {
                output.append(character)
                index = query.index(after: index)
                continue
            }
            guard let close = query[index...].firstIndex(of: "]") else {
                return .failure(Problem(message: "the query has an unclosed \"[\""))
            }
            let inside = query[query.index(after: index)..<close]
            if inside.contains(":") {
                return .failure(
                    Problem(
                        message: "the query has a subquery [\(inside)]; panic needs plain range selectors such as [1m]"
                    )
                )
            }
            output += "[\(window)]"
            replaced += 1
            index = query.index(after: close)
        }
        guard replaced > 0 else {
            return .failure(
                Problem(
                    message: "the query has no range selector such as [1m] to shorten; panic needs a rate() or "
                        + "another function over a range"
                )
            )
        }
        return .success(output)
    }

    /// Returns the first plain range selector's duration in seconds, such as 60 for `[1m]`.
    static func firstRangeSeconds(in query: String) -> Double? {
        guard let open = query.firstIndex(of: "["), let close = query[open...].firstIndex(of: "]") else { return nil }
        return PolicyDuration.seconds(String(query[query.index(after: open)..<close]))
    }
}
