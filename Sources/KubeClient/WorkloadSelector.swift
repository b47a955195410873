/// One `matchExpressions` entry of a workload's `spec.selector`, such as
/// `{key: track, operator: NotIn, values: [canary]}`.
public struct LabelSelectorRequirement: Sendable, Equatable {
    public var key: String
    /// `In`, `NotIn`, `Exists` or `DoesNotExist` on a valid object.
    public var `operator`: String
    public var values: [String]

    public init(key: String, operator: String, values: [String] = []) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}

/// An error for a workload `spec.selector` that has no label selector query form, so no pod
/// list can be sent for it.
///
/// The API server validates selectors on write. So this error means a selector that the
/// validation let through and Headroom does not handle, or an object that did not come from an
/// API server.
public struct WorkloadSelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Such as `Deployment shop/api`.
    public var workload: String
    /// Such as `spec.selector.matchExpressions[1].operator`.
    public var field: String
    /// The offending value as JSON would show it, such as `"Gt"`.
    public var value: String
    /// The problem and the fix.
    public var problem: String

    public var description: String {
        "cannot list the pods of \(workload): \(field) \(value) \(problem)"
    }
}

extension WorkloadStatus {
    /// The workload's `spec.selector` in label selector query syntax, such as
    /// `app=api,track notin (canary)`: `matchLabels` sorted by key, then `matchExpressions` in
    /// order with their values sorted. Both parts must hold, as on the API server.
    ///
    /// Throws when the selector is empty, because it would match every pod in the namespace. It
    /// also throws when a term has no query form: an unknown operator, `In` or `NotIn` without
    /// values, `Exists` or `DoesNotExist` with values, or a key or value with characters that
    /// labels cannot have.
    public func podLabelSelector(of workload: ScaleTarget) throws(WorkloadSelectorError) -> String {
        func failure(_ field: String, _ value: String, _ problem: String) -> WorkloadSelectorError {
            WorkloadSelectorError(workload: workload.description, field: field, value: value, problem: problem)
        }

        var terms: [String] = []
        for key in matchLabels.keys.sorted() {
            let value = matchLabels[key] ?? ""
            let field = "spec.selector.matchLabels[\(quoted(key))]"
            guard Self.isLabelKey(key) else { throw failure(field, quoted(key), Self.keyProblem) }
            guard Self.isLabelValue(value) else { throw failure(field, quoted(value), Self.valueProblem) }
            terms.append("\(key)=\(value)")
        }
        for (index, requirement) in matchExpressions.enumerated() {
            let field = "spec.selector.matchExpressions[\(index)]"
            guard Self.isLabelKey(requirement.key) else {
                throw failure("\(field).key", quoted(requirement.key), Self.keyProblem)
            }
            if let bad = requirement.values.first(where: { !Self.isLabelValue($0) }) {
                throw failure("\(field).values", quoted(bad), Self.valueProblem)
            }
            terms.append(try term(requirement, field: field, failure: failure))
        }
        guard !terms.isEmpty else {
            throw failure(
                "spec.selector",
                "{}",
                "is empty, so it would match every pod in the namespace; give the workload a selector "
                    + "with matchLabels"
            )
        }
        return terms.joined(separator: ",")
    }

    private func term(
        _ requirement: LabelSelectorRequirement,
        field: String,
        failure: (String, String, String) -> WorkloadSelectorError
    ) throws(WorkloadSelectorError) -> String {
        let values = requirement.values.sorted().joined(separator: ",")
        switch requirement.operator {
        case "In", "NotIn":
            guard !requirement.values.isEmpty else {
                throw failure("\(field).values", "[]", "is empty: \(requirement.operator) needs at least one value")
            }
            return "\(requirement.key) \(requirement.operator.lowercased()) (\(values))"
        case "Exists", "DoesNotExist":
            guard requirement.values.isEmpty else {
                throw failure(
                    "\(field).values",
                    "[\(requirement.values.map(quoted).joined(separator: ", "))]",
                    "must be empty for \(requirement.operator)"
                )
            }
            return requirement.operator == "Exists" ? requirement.key : "!\(requirement.key)"
        default:
            throw failure(
                "\(field).operator",
                quoted(requirement.operator),
                "has no label selector query form: use In, NotIn, Exists or DoesNotExist"
            )
        }
    }

    private func quoted(_ text: String) -> String { "\"\(text)\"" }

    private static let keyProblem =
        "is not a label key: use letters, digits, '-', '_', '.' and one '/' after a DNS prefix"
    private static let valueProblem = "is not a label value: use letters, digits, '-', '_' and '.'"

    /// Checks that `key` has only the characters of a label key: letters, digits, `-`, `_`, `.`
    /// and at most one `/`. Such a key cannot break the query syntax (`,`, `=`, `!`, spaces,
    /// parentheses).
    static func isLabelKey(_ key: String) -> Bool {
        !key.isEmpty && key.filter { $0 == "/" }.count <= 1
            && key.allSatisfy { isLabelCharacter($0) || $0 == "/" }
    }

    /// Checks that `value` has only letters, digits, `-`, `_` and `.`. An empty label value is valid.
    static func isLabelValue(_ value: String) -> Bool {
        value.allSatisfy(isLabelCharacter)
    }

    private static func isLabelCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character))
    }
}
