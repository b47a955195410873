/// An error that stops `headroom run` before its first cycle: a client or the metrics
/// endpoint could not be set up.
enum RunSetupError: Error, CustomStringConvertible {
    /// A file named by an option cannot be read or has the wrong form.
    case unreadableFile(option: String, path: String, reason: String)
    /// A client or server could not be created.
    case setupFailed(what: String, reason: String)

    var description: String {
        switch self {
        case .unreadableFile(let option, let path, let reason):
            "\(option) \(path): \(reason)"
        case .setupFailed(let what, let reason):
            "failed to set up \(what): \(reason)"
        }
    }
}
