import YAML

/// An HPA document that cannot be imported: not an HPA, an unknown `apiVersion`, or a field
/// that is missing or of the wrong type. One line in the `headroom check` form:
/// `FILE:LINE:COLUMN: SUBJECT: FIELD: MESSAGE`.
struct ImportHPAProblem: Error, Sendable, Equatable, CustomStringConvertible {
    let file: String
    let line: Int
    let column: Int
    /// The HPA (`HorizontalPodAutoscaler shop/api`) or the document (`document 2`).
    let subject: String
    /// The field path inside the object, such as `spec.scaleTargetRef`.
    let field: String
    let message: String

    init(file: String, mark: YAMLMark, subject: String, field: String, message: String) {
        self.file = file
        self.line = max(mark.line, 1)
        self.column = max(mark.column, 1)
        self.subject = subject
        self.field = field
        self.message = message
    }

    var description: String { "\(file):\(line):\(column): \(subject): \(field): \(message)" }
}

/// A field of an HPA that the imported policy does not carry, with the reason and what to do.
struct UnmappedHPAField: Sendable, Equatable, CustomStringConvertible {
    /// `namespace/name` of the HPA.
    let hpa: String
    let field: String
    let reason: String

    var description: String { "HPA \(hpa): \(field): \(reason)" }
}
