import Foundation

/// PEM material given either as a file path or inline.
public enum PEMSource: Sendable, Hashable {
    case file(String)
    case inline(Data)
}

/// TLS settings for one client. Peer verification is on unless `insecureSkipVerify` is set.
public struct TLSConfiguration: Sendable, Hashable {
    /// Certificate authorities that sign the server's certificate. `nil` uses the system bundle.
    public var certificateAuthority: PEMSource?
    public var clientCertificate: PEMSource?
    public var clientKey: PEMSource?
    /// Name checked against the server certificate instead of the URL's host (kubeconfig
    /// `tls-server-name`).
    public var serverName: String?
    public var insecureSkipVerify: Bool

    public init(
        certificateAuthority: PEMSource? = nil,
        clientCertificate: PEMSource? = nil,
        clientKey: PEMSource? = nil,
        serverName: String? = nil,
        insecureSkipVerify: Bool = false
    ) {
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
    }
}

/// Supplies the `Authorization` header value for each request.
///
/// The transport requests the value before every request and calls `invalidate()` after a
/// 401, so a provider backed by a rotating token file or an exec plugin can reload.
public protocol CredentialProvider: Sendable {
    /// The full header value, such as `Bearer abc` or `Basic dXNlcjpwYXNz`, or `nil` for none.
    func authorization() async throws -> String?
    /// Drops any cached value so the next `authorization()` reloads it.
    func invalidate()
}

/// Settings shared by every request of one client.
public struct TransportConfiguration: Sendable {
    public var tls: TLSConfiguration
    public var credentials: (any CredentialProvider)?
    /// Headers added to every request, such as `X-Scope-OrgID` for a Mimir or Cortex tenant.
    public var extraHeaders: [HTTPHeader]
    public var connectTimeout: Duration
    /// Limit on one whole request; `HTTPRequest.timeout` overrides it.
    public var totalTimeout: Duration
    /// Largest number of transfers in flight at once; more requests wait their turn.
    public var maxConcurrentRequests: Int
    /// Largest response body in bytes, after content decoding. A transfer that receives more
    /// is aborted with `TransportError.responseTooLarge`. The default is 64 MiB.
    public var maxResponseBytes: Int

    public init(
        tls: TLSConfiguration = TLSConfiguration(),
        credentials: (any CredentialProvider)? = nil,
        extraHeaders: [HTTPHeader] = [],
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(30),
        maxConcurrentRequests: Int = 16,
        maxResponseBytes: Int = 64 << 20
    ) {
        self.tls = tls
        self.credentials = credentials
        self.extraHeaders = extraHeaders
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxResponseBytes = maxResponseBytes
    }
}
