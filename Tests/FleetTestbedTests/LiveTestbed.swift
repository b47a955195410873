import FleetTestbed
import Foundation
import HTTPServer
import HTTPTransport
import KubeTestServer
import TestSupport
import Testing

/// The testbed behind a real API test server (HTTPS, token) and exporter server on loopback,
/// with kubectl pointed at it. Ticks are stepped by the test.
struct LiveTestbed {
    static let token = "testbed-admin-token"
    let directory: TemporaryDirectory
    let server: KubeTestServer
    let exporter: ExporterServer
    let fixture: TestbedFixture
    let certificate: String
    let kubeconfig: String

    static func start(
        replicas: Int,
        compression: Double = 1,
        fileSD: Bool = false,
        wallStart: Date = Date()
    ) throws -> LiveTestbed {
        let directory = try TemporaryDirectory(prefix: "testbed-live")
        let (certificate, key) = try generateCertificate(in: directory)
        let server = try KubeTestServer(
            .init(tls: try ServerTLS(certificateFile: certificate, keyFile: key), tokens: [token: "admin"])
        )

        let publication = Publication()
        let exporter: ExporterServer
        do {
            exporter = try ExporterServer(publication: publication)
        } catch {
            server.stop()
            throw error
        }

        var configuration = TestbedConfiguration()
        configuration.namespace = TestbedFixture.namespace
        configuration.deployment = TestbedFixture.deployment
        configuration.replicas = replicas
        configuration.compression = compression
        configuration.parameters = TestbedFixture.parameters
        configuration.load = .steady(rate: 20, duration: 3600)
        if fileSD {
            configuration.fileSDPath = directory.file("targets.json")
            configuration.prometheusConfigPath = directory.file("prometheus.yml")
        }

        let fixture: TestbedFixture
        do {
            fixture = try TestbedFixture(
                store: server.store,
                configuration: configuration,
                metricsPort: exporter.port,
                wallStart: wallStart,
                publication: publication
            )
        } catch {
            exporter.stop()
            server.stop()
            throw error
        }

        let kubeconfig = try directory.write(
            "kubeconfig",
            """
            apiVersion: v1
            kind: Config
            current-context: test
            clusters:
            - name: test
              cluster: {server: "\(server.apiURL)", certificate-authority: "\(certificate)"}
            users:
            - name: admin
              user: {token: \(token)}
            contexts:
            - name: test
              context: {cluster: test, user: admin, namespace: shop}
            """
        )
        return LiveTestbed(
            directory: directory,
            server: server,
            exporter: exporter,
            fixture: fixture,
            certificate: certificate,
            kubeconfig: kubeconfig
        )
    }

    func stop() {
        exporter.stop()
        server.stop()
        directory.remove()
    }

    /// Runs kubectl with this testbed's kubeconfig and its own cache directory; requires exit 0
    /// and returns the output as rows of whitespace-separated cells.
    func kubectl(_ arguments: [String]) throws -> [[String]] {
        guard let path = ChildProcess.resolve("kubectl") else {
            throw TestSupportError.notFound("kubectl on PATH (the machine's dispatcher with a 1.32 client)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        environment["KUBECONFIG"] = nil
        let common = [
            "--kubeconfig", kubeconfig, "--cache-dir", directory.file("kubectl-cache"), "--request-timeout", "20s",
        ]
        let result = try runCommand(path, arguments + common, environment: environment, timeout: .seconds(60))
        try #require(result.status == 0, "kubectl \(arguments) failed: \(result.stderr)")
        return result.stdout.split(separator: "\n").map { line in
            line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
    }

    /// Sends `body` as the admin identity to the API.
    func post(_ path: String, _ body: String) async throws -> HTTPResponse {
        let http = try CurlHTTPClient(
            configuration: TransportConfiguration(
                tls: TLSConfiguration(certificateAuthority: .file(certificate)),
                credentials: StaticBearerToken(Self.token)
            )
        )
        return try await http.send(
            HTTPRequest(
                method: .post,
                url: server.apiURL + path,
                headers: [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json")],
                body: Data(body.utf8)
            )
        )
    }

    /// Generates a self-signed certificate for IP 127.0.0.1 (see TestCertificates).
    static func generateCertificate(in directory: TemporaryDirectory) throws -> (certificate: String, key: String) {
        try TestCertificates.selfSignedLoopback(in: directory)
    }
}
