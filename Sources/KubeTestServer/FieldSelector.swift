/// A field selector in query syntax, such as `involvedObject.name=api,type!=Normal`.
///
/// Like the API server, it supports `=`, `==` and `!=` on a fixed set of fields per resource
/// type: `metadata.name` and `metadata.namespace` everywhere, plus most of the fields that the
/// API server accepts for core Events and Pods. Any other field is rejected with 400
/// `field label not supported: <field>`. A field missing from an object compares as "".
struct FieldSelector {
    struct Term {
        var field: String
        var value: String
        var negated: Bool
    }

    let terms: [Term]
    /// Field label to its path in the served object.
    let paths: [String: [String]]

    init(_ text: String, type: ResourceType) throws(APIFailure) {
        let paths = Self.fieldPaths(type)
        var terms: [Term] = []
        for raw in text.split(separator: ",") {
            let term = raw.trimmingCharacters(in: .whitespaces)
            guard !term.isEmpty else { continue }
            let parsed: Term
            if let range = term.range(of: "!=") {
                parsed = Term(
                    field: String(term[..<range.lowerBound]),
                    value: String(term[range.upperBound...]),
                    negated: true
                )
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                parsed = Term(
                    field: String(term[..<range.lowerBound]),
                    value: String(term[range.upperBound...]),
                    negated: false
                )
            } else {
                throw .badRequest("invalid field selector term \"\(term)\": use field=value or field!=value")
            }
            guard paths[parsed.field] != nil else {
                throw .badRequest("field label not supported: \(parsed.field)")
            }
            terms.append(parsed)
        }
        self.terms = terms
        self.paths = paths
    }

    func matches(_ object: JSONValue) -> Bool {
        terms.allSatisfy { term in
            let actual = paths[term.field].flatMap { Self.text(object[path: $0]) } ?? ""
            // The API server reads `source` from source.component, else from reportingComponent.
            if term.field == "source", actual.isEmpty {
                let reporting = object["reportingComponent"]?.stringValue ?? ""
                return (reporting == term.value) != term.negated
            }
            return (actual == term.value) != term.negated
        }
    }

    /// Renders a scalar the way field selectors compare it: strings as they are, numbers and
    /// booleans in JSON form.
    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        default: nil
        }
    }

    /// Lists the selectable fields of `type` with their paths: a subset of the field labels that
    /// the API server accepts for it.
    // NOTE: events.k8s.io Events offer only metadata.name and metadata.namespace here, because
    // the API server's field labels for that group were not checked.
    static func fieldPaths(_ type: ResourceType) -> [String: [String]] {
        var paths: [String: [String]] = [
            "metadata.name": ["metadata", "name"], "metadata.namespace": ["metadata", "namespace"],
        ]
        switch (type.group, type.name) {
        case ("", "events"):
            for field in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
                paths["involvedObject.\(field)"] = ["involvedObject", field]
            }
            paths["reason"] = ["reason"]
            paths["reportingComponent"] = ["reportingComponent"]
            paths["source"] = ["source", "component"]
            paths["type"] = ["type"]
        case ("", "pods"):
            for field in ["nodeName", "restartPolicy", "schedulerName", "serviceAccountName"] {
                paths["spec.\(field)"] = ["spec", field]
            }
            for field in ["phase", "podIP", "nominatedNodeName"] {
                paths["status.\(field)"] = ["status", field]
            }
        default:
            break
        }
        return paths
    }
}
