import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

/// TLS, mutual TLS and basic auth against Prometheus' `--web.config.file`, with a CA made
/// by `openssl` for each test.
@Suite(.serialized)
struct PrometheusTLSTests {
    private static let serverName = "prometheus.test"

    /// Runs `vector(1)` through a client with `configuration` and returns its value.
    private func queryOne(_ server: PrometheusServer, _ configuration: TransportConfiguration) async throws -> Double? {
        let client = PrometheusClient(baseURL: server.baseURL, http: try CurlHTTPClient(configuration: configuration))
        let result = try await client.query("vector(1)")
        guard case .vector(let samples) = result.data else { return nil }
        return samples.first?.point.value
    }

    @Test func basicAuthOverTLS() async throws {
        let directory = try TemporaryDirectory(prefix: "prometheus-tls")
        let certificates = try TestCertificates(in: directory, serverName: Self.serverName)
        let webConfig = """
            tls_server_config:
              cert_file: \(certificates.serverCertificate)
              key_file: \(certificates.serverKey)
            basic_auth_users:
              headroom: \(try bcryptHash("correct horse"))
            """
        let server = try PrometheusServer(webConfig: webConfig, directory: directory)
        defer { server.stop() }
        let caFile = TLSConfiguration(
            certificateAuthority: .file(certificates.caCertificate),
            serverName: Self.serverName
        )
        let caInline = TLSConfiguration(
            certificateAuthority: .inline(try Data(contentsOf: URL(fileURLWithPath: certificates.caCertificate))),
            serverName: Self.serverName
        )
        let password = BasicAuth(username: "headroom", password: "correct horse")

        #expect(try await queryOne(server, TransportConfiguration(tls: caFile, credentials: password)) == 1)
        #expect(try await queryOne(server, TransportConfiguration(tls: caInline, credentials: password)) == 1)
        #expect(
            try await queryOne(
                server,
                TransportConfiguration(tls: TLSConfiguration(insecureSkipVerify: true), credentials: password)
            ) == 1
        )

        let wrongPassword = BasicAuth(username: "headroom", password: "wrong")
        let unauthorized = await #expect(throws: MetricsError.self) {
            try await queryOne(server, TransportConfiguration(tls: caFile, credentials: wrongPassword))
        }
        guard case .httpStatus(401, _)? = unauthorized else {
            Issue.record("expected HTTP 401, got \(String(describing: unauthorized))")
            return
        }

        // The certificate names prometheus.test only, so connecting as 127.0.0.1 without
        // a server name fails verification, and so does the system CA bundle.
        let noServerName = TLSConfiguration(certificateAuthority: .file(certificates.caCertificate))
        for tls in [noServerName, TLSConfiguration(serverName: Self.serverName)] {
            let error = await #expect(throws: MetricsError.self) {
                try await queryOne(server, TransportConfiguration(tls: tls, credentials: password))
            }
            guard case .transport(.tls)? = error else {
                Issue.record("expected a TLS error, got \(String(describing: error))")
                continue
            }
        }
    }

    @Test func mutualTLS() async throws {
        let directory = try TemporaryDirectory(prefix: "prometheus-mtls")
        let certificates = try TestCertificates(in: directory, serverName: Self.serverName)
        let webConfig = """
            tls_server_config:
              cert_file: \(certificates.serverCertificate)
              key_file: \(certificates.serverKey)
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: \(certificates.caCertificate)
            """
        let server = try PrometheusServer(webConfig: webConfig, directory: directory)
        defer { server.stop() }
        let authority = PEMSource.file(certificates.caCertificate)
        let read = { (path: String) in try Data(contentsOf: URL(fileURLWithPath: path)) }

        let fromFiles = TLSConfiguration(
            certificateAuthority: authority,
            clientCertificate: .file(certificates.clientCertificate),
            clientKey: .file(certificates.clientKey),
            serverName: Self.serverName
        )
        let inline = TLSConfiguration(
            certificateAuthority: authority,
            clientCertificate: .inline(try read(certificates.clientCertificate)),
            clientKey: .inline(try read(certificates.clientKey)),
            serverName: Self.serverName
        )
        #expect(try await queryOne(server, TransportConfiguration(tls: fromFiles)) == 1)
        #expect(try await queryOne(server, TransportConfiguration(tls: inline)) == 1)

        let withoutCertificate = TLSConfiguration(certificateAuthority: authority, serverName: Self.serverName)
        let error = await #expect(throws: MetricsError.self) {
            try await queryOne(server, TransportConfiguration(tls: withoutCertificate))
        }
        // Depending on timing, libcurl reports the server's TLS alert or only the closed
        // connection, so any transport error is accepted here.
        guard case .transport? = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
    }
}
