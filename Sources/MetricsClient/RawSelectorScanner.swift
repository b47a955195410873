/// Finds the raw vector selectors in a PromQL expression or template.
///
/// The rule: a selector is a metric name not followed by `(` (which makes it a function or
/// an aggregation) and not a PromQL keyword, with its `{…}` matchers if any, or a bare
/// `{…}` block. Range (`[5m]`) and subquery brackets, `offset` and `@` modifiers, label
/// lists after `by`, `without`, `on`, `ignoring`, `group_left` and `group_right`, strings,
/// numbers and comments are skipped. Each selector is returned once, in order of first
/// appearance, as written (placeholders included). For example
/// `histogram_quantile(0.9, sum by (le) (rate(x_bucket{job="a"}[5m])))` yields
/// `x_bucket{job="a"}`.
public enum RawSelectorScanner {
    public static func selectors(in expression: String) -> [String] {
        var scanner = Scanner(Array(expression))
        return scanner.scan()
    }

    private static let aggregations: Set<String> = [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
        "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    ]
    private static let labelListKeywords: Set<String> = [
        "by", "without", "on", "ignoring", "group_left", "group_right",
    ]
    private static let keywords: Set<String> = [
        "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan",
    ]

    private struct Scanner {
        let characters: [Character]
        var index = 0
        var selectors: [String] = []

        init(_ characters: [Character]) {
            self.characters = characters
        }

        mutating func scan() -> [String] {
            while index < characters.count {
                let character = characters[index]
                if character.isWhitespace {
                    index += 1
                } else if character == "#" {
                    skip(while: { $0 != "\n" })
                } else if character == "\"" || character == "'" || character == "`" {
                    skipString(quote: character)
                } else if character == "[" {
                    index = closing(of: "[", "]", from: index) + 1
                } else if character == "{" {
                    let end = closing(of: "{", "}", from: index)
                    record(String(characters[index...min(end, characters.count - 1)]))
                    index = end + 1
                } else if isNameStart(character) {
                    scanName()
                } else if character.isNumber {
                    skip(while: { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" })
                } else {
                    index += 1
                }
            }
            return selectors
        }

        private mutating func scanName() {
            let start = index
            skip(while: { isNameStart($0) || $0.isNumber })
            let name = String(characters[start..<index])
            let lowered = name.lowercased()
            let next = nextNonSpace()

            if labelListKeywords.contains(lowered) {
                if let next, characters[next] == "(" {
                    index = closing(of: "(", ")", from: next) + 1
                }
                return
            }
            if keywords.contains(lowered) { return }
            if let next, characters[next] == "(" { return }
            if aggregations.contains(lowered), let next, startsKeyword(at: next) { return }

            if let next, characters[next] == "{" {
                let end = closing(of: "{", "}", from: next)
                record(name + String(characters[next...min(end, characters.count - 1)]))
                index = end + 1
            } else {
                record(name)
            }
        }

        private func startsKeyword(at position: Int) -> Bool {
            let rest = String(characters[position..<min(position + 8, characters.count)]).lowercased()
            return rest.hasPrefix("by") || rest.hasPrefix("without")
        }

        private mutating func record(_ selector: String) {
            if !selectors.contains(selector) {
                selectors.append(selector)
            }
        }

        private func nextNonSpace() -> Int? {
            var position = index
            while position < characters.count && characters[position].isWhitespace {
                position += 1
            }
            return position < characters.count ? position : nil
        }

        /// Finds the bracket that closes the one at `start`, skipping strings. Returns the last
        /// index when it is never closed.
        private func closing(of open: Character, _ close: Character, from start: Int) -> Int {
            var depth = 0
            var position = start
            while position < characters.count {
                let character = characters[position]
                if character == "\"" || character == "'" || character == "`" {
                    position = endOfString(quote: character, from: position)
                } else if character == open {
                    depth += 1
                } else if character == close {
                    depth -= 1
                    if depth == 0 { return position }
                }
                position += 1
            }
            return characters.count - 1
        }

        private func endOfString(quote: Character, from start: Int) -> Int {
            var position = start + 1
            while position < characters.count && characters[position] != quote {
                if characters[position] == "\\" && quote != "`" {
                    position += 1
                }
                position += 1
            }
            return position
        }

        private mutating func skipString(quote: Character) {
            index = endOfString(quote: quote, from: index) + 1
        }

        private mutating func skip(while condition: (Character) -> Bool) {
            while index < characters.count && condition(characters[index]) {
                index += 1
            }
        }
    }
}

private func isNameStart(_ character: Character) -> Bool {
    character.isASCII && (character.isLetter || character == "_" || character == ":")
}
