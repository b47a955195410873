import Foundation

/// A label selector in query syntax, such as `app=api,tier!=db,canary,track notin (beta,canary)`.
///
/// Terms are `key=value` (or `==`), `key!=value`, `key`, `!key`, `key in (v1,v2)` and
/// `key notin (v1,v2)`, all of which must hold. As on the API server, `!=` and `notin` also
/// match objects without the label. A term the server cannot read is rejected with 400, so a
/// test notices instead of getting a wrong list.
struct LabelSelector {
    enum Term {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
        case notExists(String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
    }

    let terms: [Term]

    init(_ text: String) throws(APIFailure) {
        var terms: [Term] = []
        for raw in Self.splitTerms(text) {
            let term = raw.trimmingCharacters(in: .whitespaces)
            if term.contains("(") || term.contains(")") {
                terms.append(try Self.setTerm(term))
            } else if let range = term.range(of: "!=") {
                terms.append(
                    .notEquals(Self.trimmed(term[..<range.lowerBound]), Self.trimmed(term[range.upperBound...]))
                )
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                terms.append(.equals(Self.trimmed(term[..<range.lowerBound]), Self.trimmed(term[range.upperBound...])))
            } else if term.hasPrefix("!") {
                terms.append(.notExists(Self.trimmed(term.dropFirst())))
            } else if !term.isEmpty {
                terms.append(.exists(term))
            }
        }
        self.terms = terms
    }

    func matches(_ object: JSONValue) -> Bool {
        let labels = object[path: ["metadata", "labels"]]?.objectValue ?? [:]
        return terms.allSatisfy { term in
            switch term {
            case .equals(let key, let value): labels[key]?.stringValue == value
            case .notEquals(let key, let value): labels[key]?.stringValue != value
            case .exists(let key): labels[key] != nil
            case .notExists(let key): labels[key] == nil
            case .isIn(let key, let values): labels[key]?.stringValue.map(values.contains) ?? false
            case .notIn(let key, let values): !(labels[key]?.stringValue.map(values.contains) ?? false)
            }
        }
    }

    /// Splits at the commas outside parentheses, so `a in (x,y),b` is two terms.
    private static func splitTerms(_ text: String) -> [Substring] {
        var terms: [Substring] = []
        var depth = 0
        var start = text.startIndex
        for index in text.indices {
            switch text[index] {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                terms.append(text[start..<index])
                start = text.index(after: index)
            default: break
            }
        }
        terms.append(text[start...])
        return terms
    }

    /// Reads `key in (v1,v2)` or `key notin (v1,v2)`.
    private static func setTerm(_ term: String) throws(APIFailure) -> Term {
        guard let open = term.firstIndex(of: "("), term.hasSuffix(")") else {
            throw .badRequest(
                "unable to parse requirement: \(term): expected 'key in (values)' or 'key notin (values)'"
            )
        }
        let head = term[..<open].split(separator: " ", omittingEmptySubsequences: true)
        let inside = term[term.index(after: open)..<term.index(before: term.endIndex)]
        let values = Set(inside.split(separator: ",", omittingEmptySubsequences: false).map(trimmed))
        guard head.count == 2, !values.contains(""), !inside.contains("(") else {
            throw .badRequest(
                "unable to parse requirement: \(term): expected 'key in (values)' or 'key notin (values)'"
            )
        }
        switch head[1] {
        case "in": return .isIn(String(head[0]), values)
        case "notin": return .notIn(String(head[0]), values)
        default: throw .badRequest("unable to parse requirement: \(term): unknown operator \(head[1])")
        }
    }

    private static func trimmed(_ text: Substring) -> String {
        text.trimmingCharacters(in: .whitespaces)
    }
}
