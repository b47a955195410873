/// Failures of the Autoscaler module that stop a policy file from being read at all.
/// Problems inside a readable policy are `PolicyProblem`s instead.
public enum AutoscalerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read. `reason` gives the cause and the next step.
    case unreadableFile(path: String, reason: String)
    /// The text is not valid YAML or JSON.
    case syntax(file: String, line: Int, column: Int, message: String)
    /// The document is not a `ScalingPolicy` of a supported `apiVersion`.
    case notAPolicy(file: String, line: Int, column: Int, message: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            "cannot read policy file \(path): \(reason)"
        case .syntax(let file, let line, let column, let message):
            "\(file):\(line):\(column): invalid YAML: \(message)"
        case .notAPolicy(let file, let line, let column, let message):
            "\(file):\(line):\(column): not a Headroom policy: \(message)"
        }
    }
}
