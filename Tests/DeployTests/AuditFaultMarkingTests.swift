import Foundation
import HTTPServer
import HTTPTransport
import KubeTestServer
import TestSupport
import Testing

extension DeployTests {
    /// The API test server marks each audit entry with the fault rule action applied to it, so
    /// the audit evidence can leave out statuses that a rule produced.
    @Suite struct AuditFaultMarkingTests {
        @Test func faultedEntriesCarryTheirAction() async throws {
            let directory = try TemporaryDirectory(prefix: "deploy-audit")
            defer { directory.remove() }
            let (certificate, key) = try TestCertificates.selfSignedLoopback(in: directory)
            let server = try KubeTestServer(
                .init(
                    adminPort: nil,
                    tls: try ServerTLS(certificateFile: certificate, keyFile: key),
                    tokens: ["audit-token": "audit"]
                )
            )
            defer { server.stop() }
            try server.store.seed([
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": ["name": "api", "namespace": "shop"],
                "spec": ["replicas": 1],
            ])
            let path = "/apis/apps/v1/namespaces/shop/deployments/api"
            let failure = FaultRule.Action.fail(status: 503, reason: "ServiceUnavailable", retryAfterSeconds: nil)
            server.faults.add(FaultRule(method: "GET", path: path, count: 1, action: failure))
            let http = try CurlHTTPClient(
                configuration: TransportConfiguration(
                    tls: TLSConfiguration(certificateAuthority: .file(certificate)),
                    credentials: StaticBearerToken("audit-token")
                )
            )

            // The rule's count is 1: the first read fails with its 503, the second is served.
            let first = try await http.send(HTTPRequest(method: .get, url: server.apiURL + path))
            let second = try await http.send(HTTPRequest(method: .get, url: server.apiURL + path))
            server.faults.add(FaultRule(method: "GET", path: path, count: 1, action: .delay(milliseconds: 10)))
            let delayed = try await http.send(HTTPRequest(method: .get, url: server.apiURL + path))

            #expect(first.status == 503)
            #expect(second.status == 200)
            #expect(delayed.status == 200)
            let entries = server.audit.all.filter { $0.path == path }
            try #require(entries.count == 3)
            #expect(entries[0].fault == failure)
            #expect(entries[0].status == 503)
            #expect(entries[1].fault == nil)
            #expect(entries[2].fault == .delay(milliseconds: 10))
            #expect(entries.allSatisfy { $0.identity == "audit" })
        }
    }
}
