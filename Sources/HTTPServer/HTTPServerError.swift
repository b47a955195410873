/// Why `HTTPServer` could not start.
public enum HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// The address is not an IPv4 or IPv6 literal.
    case invalidAddress(String)
    /// libmicrohttpd did not start, most often because the port is taken.
    case startFailed(address: String, port: Int, tls: Bool)
    /// The daemon started but did not report the port it bound.
    case portUnknown(address: String)

    public var description: String {
        switch self {
        case .invalidAddress(let address):
            "invalid listen address \"\(address)\": give an IPv4 or IPv6 literal such as 127.0.0.1"
        case .startFailed(let address, let port, let tls):
            "failed to start the \(tls ? "HTTPS" : "HTTP") server on \(address):\(port): "
                + "the port may be in use, or the certificate and key PEM may be invalid"
        case .portUnknown(let address):
            "the server on \(address) started but did not report its bound port"
        }
    }
}
