import Foundation

/// An error of the real-stack launchers and clients, with what failed and what to do next.
public enum RealStackError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidArgument(String)
    case notFound(String)
    case startFailed(program: String, reason: String)
    case timedOut(String)
    case commandFailed(command: String, output: String)
    case serverBusy(server: String, sessions: Int)
    case system(call: String, code: Int32)
    case protocolError(String)

    public var description: String {
        switch self {
        case .invalidArgument(let text):
            return "invalid argument: \(text)"
        case .notFound(let text):
            return "not found: \(text)"
        case .startFailed(let program, let reason):
            return "\(program) failed to start: \(reason)"
        case .timedOut(let text):
            return "timed out: \(text)"
        case .commandFailed(let command, let output):
            return "command '\(command)' failed: \(output)"
        case .serverBusy(let server, let sessions):
            return
                "server \(server) still has \(sessions) sessions (current plus queued); "
                + "drain it and retry the delete once it has none"
        case .system(let call, let code):
            return "\(call) failed: \(String(cString: strerror(code)))"
        case .protocolError(let text):
            return "unexpected response: \(text)"
        }
    }
}
