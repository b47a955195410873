import Foundation
import HTTPTransport
import TestSupport
import Testing

/// The `kube-test-server` executable: flags, the printed ports, seeding and the admin API.
@Suite(.serialized) struct KubeTestServerExecutableTests {
    /// `.build/<configuration>/kube-test-server`, next to this test's resource bundle.
    static var executable: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("kube-test-server").path
    }

    @Test func printsPortsAndServesSeed() async throws {
        let directory = try TemporaryDirectory(prefix: "kube-test-server-exe")
        defer { directory.remove() }
        let (certificate, key) = try TestCluster.generateCertificate(in: directory)
        let seed = try directory.write(
            "seed.json",
            """
            {"kind":"List","items":[{"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"api","namespace":"shop"},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"api"}}},"status":{"replicas":2}}]}
            """
        )
        let rbac = try directory.write(
            "rbac.json",
            #"{"bob":[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["get"]}]}"#
        )
        let server = try ChildProcess(
            executable: Self.executable,
            arguments: [
                "--cert", certificate, "--key", key, "--token", "t0ken=alice", "--token", "b0b=bob",
                "--seed", seed, "--rbac", rbac, "--no-mirror",
            ],
            logPrefix: directory.file("server")
        )
        defer { server.terminate() }

        let banner = await eventually { server.stdout().contains("admin http://127.0.0.1:") }
        try #require(banner, "no banner; stderr: \(server.stderr())")
        let lines = server.stdout().split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let api = try #require(lines.first { $0.first == "api" }?.last)
        let admin = try #require(lines.first { $0.first == "admin" }?.last)
        #expect(api.hasPrefix("https://127.0.0.1:"))

        let client = try CurlHTTPClient(
            configuration: TransportConfiguration(
                tls: TLSConfiguration(certificateAuthority: .file(certificate)),
                credentials: StaticBearerToken("t0ken")
            )
        )
        let patch = try await client.send(
            HTTPRequest(
                method: .patch,
                url: api + "/apis/apps/v1/namespaces/shop/deployments/api/scale",
                headers: [HTTPHeader("Content-Type", "application/merge-patch+json")],
                body: Data(#"{"spec":{"replicas":6}}"#.utf8)
            )
        )
        let bob = try CurlHTTPClient(
            configuration: TransportConfiguration(
                tls: TLSConfiguration(certificateAuthority: .file(certificate)),
                credentials: StaticBearerToken("b0b")
            )
        )
        let bobRead = try await bob.send(
            HTTPRequest(method: .get, url: api + "/apis/apps/v1/namespaces/shop/deployments/api")
        )
        let bobPatch = try await bob.send(
            HTTPRequest(
                method: .patch,
                url: api + "/apis/apps/v1/namespaces/shop/deployments/api/scale",
                headers: [HTTPHeader("Content-Type", "application/merge-patch+json")],
                body: Data(#"{"spec":{"replicas":1}}"#.utf8)
            )
        )
        let deployment = try await CurlHTTPClient().send(
            HTTPRequest(method: .get, url: admin + "/objects/apis/apps/v1/namespaces/shop/deployments/api")
        )
        let audit = try await CurlHTTPClient().send(HTTPRequest(method: .get, url: admin + "/audit"))

        #expect(patch.status == 200)
        #expect(bobRead.status == 200)
        #expect(bobPatch.status == 403)
        let json = try JSONSerialization.jsonObject(with: deployment.body) as? [String: Any]
        #expect((json?["spec"] as? [String: Any])?["replicas"] as? Int == 6)
        #expect((json?["status"] as? [String: Any])?["replicas"] as? Int == 2)
        let entries = try JSONSerialization.jsonObject(with: audit.body) as? [[String: Any]]
        #expect(entries?.map { $0["status"] as? Int } == [200, 200, 403])
        #expect(entries?.first?["identity"] as? String == "alice")
        #expect(entries?.first?["verb"] as? String == "patch")
        #expect(entries?.first?["body"] as? String == #"{"spec":{"replicas":6}}"#)
    }

    @Test func missingCertificateExplained() throws {
        let result = try runCommand(Self.executable, ["--token", "a=b"], timeout: .seconds(20))

        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("kube-test-server: --cert and --key are required"))
    }
}
