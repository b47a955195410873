import Foundation
import HTTPTransport

/// Builds the Prometheus transport settings from `headroom run`'s options.
enum PrometheusConnection {
    /// Transport settings with TLS files, credentials read from files and extra headers.
    /// Throws `RunSetupError.unreadableFile` when a TLS or credential file cannot be read.
    static func transport(_ options: RunOptions.PrometheusOptions) throws(RunSetupError) -> TransportConfiguration {
        // Check the files now, so a wrong path fails the start with status 5 instead of failing
        // every query later.
        let files = [
            ("--prometheus-ca-file", options.caFile), ("--prometheus-cert-file", options.certFile),
            ("--prometheus-key-file", options.keyFile), ("--prometheus-bearer-token-file", options.bearerTokenFile),
        ]
        for case (let option, let path?) in files {
            try requireReadableFile(path, option: option)
        }
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
            totalTimeout: .milliseconds(Int64((options.timeoutSeconds * 1000).rounded()))
        )
    }

    /// Checks that `path` is a readable regular file, else throws `RunSetupError.unreadableFile`.
    static func requireReadableFile(_ path: String, option: String) throws(RunSetupError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(option: option, path: path, reason: "no such file; check the path")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadableFile(
                option: option,
                path: path,
                reason: "not a readable file; check the path and its permissions"
            )
        }
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
