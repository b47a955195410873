import Foundation
import HTTPServer
import HTTPTransport
import KubeClient
import KubeTestServer
import TestSupport

/// A `KubeTestServer` on loopback with an openssl-generated certificate, for one test.
///
/// Both servers bind port 0, so the kernel assigns each a free port atomically and the port
/// cannot be taken between picking and binding.
struct TestCluster {
    let directory: TemporaryDirectory
    let server: KubeTestServer
    let certificatePath: String
    static let adminToken = "admin-token"

    /// Generates a P-256 certificate for IP 127.0.0.1 and starts the server with `tokens`
    /// (token to identity) plus an `admin` identity.
    static func start(tokens: [String: String] = [:]) throws -> TestCluster {
        let directory = try TemporaryDirectory(prefix: "kube-test-server")
        let (certificate, key) = try generateCertificate(in: directory)
        var allTokens = tokens
        allTokens[adminToken] = "admin"
        let server = try KubeTestServer(
            .init(tls: try ServerTLS(certificateFile: certificate, keyFile: key), tokens: allTokens)
        )
        return TestCluster(directory: directory, server: server, certificatePath: certificate)
    }

    /// Generates a self-signed certificate for IP 127.0.0.1 (see TestCertificates).
    static func generateCertificate(in directory: TemporaryDirectory) throws -> (certificate: String, key: String) {
        try TestCertificates.selfSignedLoopback(in: directory)
    }

    func stop() {
        server.stop()
        directory.remove()
    }

    /// Creates a client of the API that trusts the test certificate and sends `credentials`.
    func client(
        credentials: any CredentialProvider = StaticBearerToken(TestCluster.adminToken),
        clock: any KubeClock = SystemKubeClock(),
        rateLimiter: RequestRateLimiter? = nil,
        fieldManager: String = "headroom"
    ) throws -> KubeClient {
        let configuration = KubeConfiguration(
            server: server.apiURL,
            tls: TLSConfiguration(certificateAuthority: .file(certificatePath)),
            credentials: credentials,
            namespace: "shop",
            source: "test"
        )
        let http = try CurlHTTPClient(configuration: configuration.transportConfiguration(totalTimeout: .seconds(20)))
        return KubeClient(
            configuration: configuration,
            http: http,
            rateLimiter: rateLimiter,
            clock: clock,
            fieldManager: fieldManager
        )
    }

    /// Sends a raw request to the API as the admin identity.
    func apiRequest(
        _ method: HTTPMethod,
        _ path: String,
        body: String? = nil,
        contentType: String = "application/merge-patch+json",
        userAgent: String = "test-writer/1.0"
    ) async throws -> HTTPResponse {
        let http = try CurlHTTPClient(
            configuration: TransportConfiguration(
                tls: TLSConfiguration(certificateAuthority: .file(certificatePath)),
                credentials: StaticBearerToken(TestCluster.adminToken)
            )
        )
        var headers = [HTTPHeader("User-Agent", userAgent), HTTPHeader("Accept", "application/json")]
        if body != nil { headers.append(HTTPHeader("Content-Type", contentType)) }
        return try await http.send(
            HTTPRequest(method: method, url: server.apiURL + path, headers: headers, body: body.map { Data($0.utf8) })
        )
    }

    /// Sends a request to the admin API.
    func adminRequest(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> HTTPResponse {
        let http = try CurlHTTPClient()
        let url = (server.adminURL ?? "http://127.0.0.1:1") + path
        return try await http.send(HTTPRequest(method: method, url: url, body: body.map { Data($0.utf8) }))
    }

    /// Stores a Deployment `name` in `shop` with `replicas` ready replicas and selector app=`name`.
    @discardableResult
    func seedDeployment(_ name: String, replicas: Int) throws -> JSONValue {
        try server.store.seed([
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": .string(name), "namespace": "shop", "labels": ["app": .string(name)]],
            "spec": [
                "replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]],
            ],
            "status": [
                "replicas": .int(replicas), "readyReplicas": .int(replicas), "availableReplicas": .int(replicas),
                "updatedReplicas": .int(replicas), "observedGeneration": 1,
            ],
        ])
    }

    /// Reads a stored Deployment directly from the store, without authentication.
    func stored(_ type: ResourceType, _ name: String) throws -> JSONValue {
        try server.store.get(type, namespace: "shop", name: name)
    }

    /// Audit entries whose path is `path`, in arrival order.
    func audit(path: String) -> [AuditEntry] {
        server.audit.all.filter { $0.path == path }
    }
}

extension ResourceType {
    static var deployments: ResourceType {
        ResourceType.find(groupVersion: "apps/v1", name: "deployments")!
    }
}
