import Foundation

/// Certificate and private key, both PEM text, for an HTTPS server.
public struct ServerTLS: Sendable {
    public var certificatePEM: String
    public var keyPEM: String

    public init(certificatePEM: String, keyPEM: String) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }

    /// Reads both PEM files.
    public init(certificateFile: String, keyFile: String) throws {
        self.certificatePEM = try String(contentsOfFile: certificateFile, encoding: .utf8)
        self.keyPEM = try String(contentsOfFile: keyFile, encoding: .utf8)
    }
}
