/// A failure of `headroom-load`, split by exit status.
public enum LoadError: Error, Equatable, CustomStringConvertible {
    /// A flag or the file it names is invalid (exit 2). The message names the flag, the value
    /// and the fix.
    case invalidFlag(flag: String, value: String, problem: String)
    /// Any other failure (exit 1), such as an output file that cannot be written.
    case failed(String)

    public var description: String {
        switch self {
        case .invalidFlag(let flag, let value, let problem) where value.isEmpty:
            "invalid \(flag): \(problem)"
        case .invalidFlag(let flag, let value, let problem):
            "invalid \(flag) \"\(value)\": \(problem)"
        case .failed(let reason):
            reason
        }
    }

    /// The process exit status for this error.
    public var exitStatus: Int32 {
        switch self {
        case .invalidFlag: 2
        case .failed: 1
        }
    }
}
