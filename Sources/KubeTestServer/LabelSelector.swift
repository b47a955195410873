/// An equality-based label selector in query syntax, such as `app=api,tier!=db,canary`.
///
/// NOTE: set-based terms (`in`, `notin`) are not supported. A selector with them is rejected
/// with 400, so a test notices instead of getting a wrong list.
struct LabelSelector {
    enum Term {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
        case notExists(String)
    }

    let terms: [Term]

    init(_ text: String) throws(APIFailure) {
        var terms: [Term] = []
        for raw in text.split(separator: ",") {
            let term = raw.trimmingCharacters(in: .whitespaces)
            if term.contains(" in ") || term.contains(" notin ") || term.contains("(") {
                throw .badRequest("unsupported set-based label selector term: \(term)")
            }
            if let range = term.range(of: "!=") {
                terms.append(.notEquals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                terms.append(.equals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if term.hasPrefix("!") {
                terms.append(.notExists(String(term.dropFirst())))
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
            }
        }
    }
}
