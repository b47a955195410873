/// A request that got no HTTP response.
public enum TransportError: Error, Sendable, Equatable {
    /// The TCP connection could not be opened (refused, unreachable, DNS failure). `reason` is
    /// the operating system's text, such as "Connection refused", when libcurl recorded an
    /// error number, and libcurl's message otherwise.
    case connectFailed(url: String, reason: String)
    /// The connect or total timeout ran out.
    case timedOut(url: String, after: Duration)
    /// The TLS handshake failed or the server's certificate was not trusted.
    case tls(url: String, reason: String)
    /// The calling task was cancelled and the transfer aborted.
    case cancelled(url: String)
    /// A credential could not be loaded (missing token file, failing exec plugin).
    case credentials(reason: String)
    /// The response body grew past `TransportConfiguration.maxResponseBytes` (`limit`, in
    /// bytes), so the transfer was aborted.
    case responseTooLarge(url: String, limit: Int)
    /// The request was invalid or libcurl failed in another way.
    case failed(url: String, reason: String)
}
