extension TransportError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .connectFailed(let url, let reason):
            "could not connect to \(url): \(reason); check the address and that the server is up"
        case .timedOut(let url, let after):
            "request to \(url) timed out after \(after); the server is slow or unreachable"
        case .tls(let url, let reason):
            "TLS with \(url) failed: \(reason); check the CA, the client certificate and the server name"
        case .cancelled(let url):
            "request to \(url) was cancelled"
        case .credentials(let reason):
            "could not load credentials: \(reason)"
        case .responseTooLarge(let url, let limit):
            "response from \(url) exceeded the limit of \(limit) bytes and was aborted; narrow the "
                + "request or raise maxResponseBytes"
        case .failed(let url, let reason):
            "request to \(url) failed: \(reason)"
        }
    }
}
