import KubeTestServer

/// The errors that stop the testbed, each written for the person running it.
public enum TestbedError: Error, Sendable, CustomStringConvertible {
    /// A read or write of the testbed's own objects in the API store failed.
    case store(operation: String, object: String, failure: APIFailure)
    /// A file the testbed writes (file_sd, prometheus.yml, timeline) could not be written.
    case file(path: String, reason: String)
    /// The exporter server or the API server did not start.
    case server(what: String, reason: String)

    public var description: String {
        switch self {
        case .store(let operation, let object, let failure):
            return "\(operation) \(object) in the API store failed: \(failure.reason): \(failure.message)"
        case .file(let path, let reason):
            return "cannot write \(path): \(reason); check that the directory exists and is writable"
        case .server(let what, let reason):
            return "\(what) did not start: \(reason)"
        }
    }
}
