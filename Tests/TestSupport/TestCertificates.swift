import Foundation

/// A throw-away certificate authority with a server and a client certificate, made with
/// the `openssl` command line tool (EC P-256 keys, valid for one day).
public struct TestCertificates: Sendable {
    public let caCertificate: String
    public let serverCertificate: String
    public let serverKey: String
    public let clientCertificate: String
    public let clientKey: String

    /// Writes the files into `directory`. The server certificate names only `serverName`
    /// (as a DNS subject alternative name), so a client that connects to 127.0.0.1 must
    /// verify it against that name.
    public init(in directory: TemporaryDirectory, serverName: String) throws {
        caCertificate = directory.file("ca.crt")
        serverCertificate = directory.file("server.crt")
        serverKey = directory.file("server.key")
        clientCertificate = directory.file("client.crt")
        clientKey = directory.file("client.key")
        let caKey = directory.file("ca.key")
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        try Self.openssl(
            ["req", "-x509"] + curve + [
                "-keyout", caKey, "-out", caCertificate, "-days", "1", "-subj", "/CN=Headroom Test CA",
            ]
        )
        try issue(
            name: "server",
            subject: "/CN=\(serverName)",
            key: serverKey,
            certificate: serverCertificate,
            extensions: "subjectAltName=DNS:\(serverName)\nextendedKeyUsage=serverAuth\n",
            caKey: caKey,
            directory: directory,
            curve: curve
        )
        try issue(
            name: "client",
            subject: "/CN=headroom-client",
            key: clientKey,
            certificate: clientCertificate,
            extensions: "extendedKeyUsage=clientAuth\n",
            caKey: caKey,
            directory: directory,
            curve: curve
        )
    }

    private func issue(
        name: String,
        subject: String,
        key: String,
        certificate: String,
        extensions: String,
        caKey: String,
        directory: TemporaryDirectory,
        curve: [String]
    ) throws {
        let request = directory.file("\(name).csr")
        let extensionsFile = try directory.write("\(name).ext", extensions)
        try Self.openssl(["req"] + curve + ["-keyout", key, "-out", request, "-subj", subject])
        try Self.openssl([
            "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey, "-CAcreateserial",
            "-out", certificate, "-days", "1", "-extfile", extensionsFile,
        ])
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try runCommand("openssl", arguments)
        guard result.status == 0 else {
            throw TestSupportError.failed("openssl \(arguments.first ?? "") failed: \(result.stderr)")
        }
    }
}

/// Hashes `password` with bcrypt for a Prometheus `basic_auth_users` entry, made with
/// `htpasswd` from Debian's apache2-utils package (cost 4, the lowest, to keep tests fast).
public func bcryptHash(_ password: String) throws -> String {
    let result = try runCommand("htpasswd", ["-nbB", "-C", "4", "user", password])
    let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard result.status == 0, let colon = line.firstIndex(of: ":") else {
        throw TestSupportError.failed("htpasswd failed: \(result.stderr)")
    }
    return String(line[line.index(after: colon)...])
}

extension TestCertificates {
    /// Generates a self-signed P-256 certificate for IP 127.0.0.1 with `openssl req -x509`, as
    /// the API test servers use, and returns the paths of the certificate and key PEM files.
    public static func selfSignedLoopback(in directory: TemporaryDirectory) throws -> (certificate: String, key: String)
    {
        let certificate = directory.file("api.crt")
        let key = directory.file("api.key")
        let result = try runCommand(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            timeout: .seconds(30)
        )
        guard result.status == 0 else { throw TestSupportError.failed("openssl req failed: \(result.stderr)") }
        return (certificate, key)
    }
}
