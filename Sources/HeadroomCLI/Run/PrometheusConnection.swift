import Foundation
import HTTPTransport

/// Builds the Prometheus transport settings from `headroom run`'s options.
enum PrometheusConnection {
    /// Transport settings with TLS files, credentials read from files and extra headers.
    /// Throws `RunSetupError.unreadableFile` when the basic-auth file cannot be read.
    static func transport(_ options: RunOptions.PrometheusOptions) throws(RunSetupError) -> TransportConfiguration {
        let tls = TLSConfiguration(
            certificateAuthority: options.caFile.map { .file($0) },
            clientCertificate: options.certFile.map { .file($0) },
            clientKey: options.keyFile.map { .file($0) },
            insecureSkipVerify: options.insecureSkipVerify
        )
        var credentials: (any CredentialProvider)?
        if let path = options.bearerTokenFile {
            credentials = BearerTokenFile(path: path)
        } else if let path = options.basicAuthFile {
            credentials = try basicAuth(fromFile: path)
        }
        return TransportConfiguration(
            tls: tls,
            credentials: credentials,
            extraHeaders: options.headers.map { HTTPHeader($0.name, $0.value) },
            totalTimeout: .seconds(30)
        )
    }

    /// Reads `user:password` from the first line of `path`; the password may contain `:`.
    static func basicAuth(fromFile path: String) throws(RunSetupError) -> BasicAuth {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadableFile(option: "--prometheus-basic-auth-file", path: path, reason: "\(error)")
        }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            throw .unreadableFile(
                option: "--prometheus-basic-auth-file",
                path: path,
                reason: "the first line must be user:password"
            )
        }
        return BasicAuth(username: String(line[..<colon]), password: String(line[line.index(after: colon)...]))
    }
}
