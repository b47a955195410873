/// One thing wrong in a policy file, located for an editor and named for an operator.
public struct PolicyProblem: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based line and column of the offending node (of its parent when a key is missing).
    public let line: Int
    public let column: Int
    /// Key path such as `targets[0].signals[1].target`.
    public let path: String
    /// What is wrong, the value found and what is allowed.
    public let message: String
    /// Index of the target the problem invalidates, or `nil` for the document itself.
    public let targetIndex: Int?

    public init(file: String, line: Int, column: Int, path: String, message: String, targetIndex: Int?) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.targetIndex = targetIndex
    }

    /// `file:line:column: path: message`, the form editors and CI annotations link.
    public var description: String { "\(file):\(line):\(column): \(path): \(message)" }
}
