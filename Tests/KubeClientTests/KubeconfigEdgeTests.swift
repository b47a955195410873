import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

/// Edge cases of kubeconfig loading, checked against how client-go loads kubeconfig files.
@Suite struct KubeconfigEdgeTests {
    static func config(server: String, cluster: String = "", namespace: String? = nil) -> String {
        let namespaceLine = namespace.map { ", namespace: \($0)" } ?? ""
        return """
            apiVersion: v1
            kind: Config
            current-context: edge
            clusters:
            - name: c
              cluster:
                server: \(server)
            \(cluster)
            users:
            - name: u
              user: {token: edge-token}
            contexts:
            - name: edge
              context: {cluster: c, user: u\(namespaceLine)}
            """
    }

    @Test func emptyEntriesInVariableSkipped() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let file = try directory.write("config", Self.config(server: "https://127.0.0.1:7001"))
        let loader = KubeConfigurationLoader(
            environment: ["KUBECONFIG": "::\(file):"],
            serviceAccountDirectory: directory.path + "/none",
            homeDirectory: directory.path
        )

        #expect(try loader.load().server == "https://127.0.0.1:7001")
    }

    /// client-go reads `~/.kube/config` only when `KUBECONFIG` is unset or empty. A
    /// `KUBECONFIG` naming only missing files must not silently select the home cluster.
    @Test func missingVariableFilesDoNotFallBackToHome() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/.kube", withIntermediateDirectories: true)
        try directory.write(".kube/config", Self.config(server: "https://127.0.0.1:7999"))
        let loader = KubeConfigurationLoader(
            environment: ["KUBECONFIG": directory.path + "/missing.yaml"],
            serviceAccountDirectory: directory.path + "/none",
            homeDirectory: directory.path
        )

        #expect(throws: KubeError.self) {
            let configuration = try loader.load()
            Issue.record("loaded \(configuration.server) from \(configuration.source)")
        }
    }

    @Test func relativeAuthorityResolvedAgainstFile() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/sub", withIntermediateDirectories: true)
        let file = try directory.write(
            "sub/config",
            Self.config(server: "https://127.0.0.1:7002", cluster: "    certificate-authority: certs/ca.crt")
        )

        let configuration = try KubeConfigurationLoader.loadFiles([file]).configuration()

        #expect(configuration.tls.certificateAuthority == .file(directory.path + "/sub/certs/ca.crt"))
    }

    @Test func inlineAuthorityWinsOverFile() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        // "Q0EgUEVN" is base64 of "CA PEM".
        let cluster = """
                certificate-authority: /nonexistent/ca.crt
                certificate-authority-data: Q0EgUEVN
            """
        let file = try directory.write("config", Self.config(server: "https://127.0.0.1:7003", cluster: cluster))

        let configuration = try KubeConfigurationLoader.loadFiles([file]).configuration()

        #expect(configuration.tls.certificateAuthority == .inline(Data("CA PEM".utf8)))
    }

    @Test(arguments: [(nil, "default"), ("shop", "shop"), ("\"\"", "default")] as [(String?, String)])
    func contextNamespace(written: String?, expected: String) throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let file = try directory.write(
            "config",
            Self.config(server: "https://127.0.0.1:7004", namespace: written)
        )

        #expect(try KubeConfigurationLoader.loadFiles([file]).configuration().namespace == expected)
    }

    @Test func missingCurrentContextNamesTheFix() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let text = Self.config(server: "https://127.0.0.1:7005").replacingOccurrences(
            of: "current-context: edge\n",
            with: ""
        )
        let file = try directory.write("config", text)
        let merged = try KubeConfigurationLoader.loadFiles([file])

        #expect {
            try merged.configuration()
        } throws: { error in
            "\(error)".contains("no current-context is set")
        }
        #expect(try merged.configuration(context: "edge").server == "https://127.0.0.1:7005")
    }

    @Test func insecureWithInlineAuthorityRejected() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let cluster = """
                insecure-skip-tls-verify: true
                certificate-authority-data: Q0EgUEVN
            """
        let file = try directory.write("config", Self.config(server: "https://127.0.0.1:7006", cluster: cluster))
        let merged = try KubeConfigurationLoader.loadFiles([file])

        #expect {
            try merged.configuration()
        } throws: { error in
            "\(error)".contains("insecure-skip-tls-verify together with a certificate authority")
        }
    }
}
