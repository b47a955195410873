import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

/// Where the loader looks when `KUBECONFIG` names missing files, and how `~/` in a kubeconfig
/// path is expanded.
@Suite struct KubeconfigLoaderTests {
    static let config = """
        apiVersion: v1
        kind: Config
        current-context: c
        clusters:
        - name: c
          cluster: {server: "https://127.0.0.1:7100", certificate-authority: ~/certs/ca.crt}
        users:
        - name: u
          user: {tokenFile: relative/token}
        contexts:
        - name: c
          context: {cluster: c, user: u}
        """

    @Test func missingFilesErrorNamesVariable() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let first = directory.path + "/a.yaml"
        let second = directory.path + "/b.yaml"
        let loader = KubeConfigurationLoader(
            environment: ["KUBECONFIG": "\(first):\(second)"],
            serviceAccountDirectory: directory.path + "/none",
            homeDirectory: directory.path
        )

        #expect {
            _ = try loader.load()
        } throws: { error in
            guard case KubeError.invalidConfiguration(let location, let message) = error else { return false }
            return location == "KUBECONFIG" && message.contains(first) && message.contains(second)
        }
    }

    /// client-go uses the in-cluster configuration when the merged kubeconfig is empty.
    @Test func missingFilesInPodUseServiceAccount() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/sa", withIntermediateDirectories: true)
        try directory.write("sa/token", "pod-token")
        let loader = KubeConfigurationLoader(
            environment: [
                "KUBECONFIG": directory.path + "/missing.yaml",
                "KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "7443",
            ],
            serviceAccountDirectory: directory.path + "/sa",
            homeDirectory: directory.path
        )

        let configuration = try loader.load()

        #expect(configuration.server == "https://127.0.0.1:7443")
        #expect(configuration.source == "in-cluster service account")
    }

    @Test func homePathUsesInjectedHome() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let file = try directory.write("config", Self.config)
        let home = directory.path + "/home"
        let loader = KubeConfigurationLoader(
            environment: ["KUBECONFIG": file],
            serviceAccountDirectory: directory.path + "/none",
            homeDirectory: home
        )

        let configuration = try loader.load()

        #expect(configuration.tls.certificateAuthority == .file(home + "/certs/ca.crt"))
    }

    @Test func loadFilesExpandsHomeItIsGiven() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let file = try directory.write("config", Self.config)

        let merged = try KubeConfigurationLoader.loadFiles([file], homeDirectory: "/srv/home")

        #expect(merged.clusters["c"]?.certificateAuthority == "/srv/home/certs/ca.crt")
        #expect(merged.users["u"]?.tokenFile == directory.path + "/relative/token")
    }
}
