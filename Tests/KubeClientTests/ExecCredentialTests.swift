import Foundation
import Synchronization
import Testing

@testable import KubeClient

@Suite struct ExecCredentialTests {
    /// Writes a plugin script that counts its runs in `runs`, saves `KUBERNETES_EXEC_INFO` and
    /// `PLUGIN_GREETING`, and prints a token `exec-token-<run>` expiring at `$EXPIRY`.
    static func writePlugin(in directory: TemporaryDirectoryForTests, apiVersion: String) throws -> String {
        try directory.write(
            "plugin.sh",
            """
            #!/bin/sh
            dir="$(dirname "$0")"
            count=$(( $(cat "$dir/runs" 2>/dev/null || echo 0) + 1 ))
            echo "$count" > "$dir/runs"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info.json"
            printf '%s' "$PLUGIN_GREETING" > "$dir/greeting"
            printf '{"apiVersion":"\(apiVersion)","kind":"ExecCredential",'
            printf '"status":{"token":"exec-token-%s","expirationTimestamp":"%s"}}' "$count" "$EXPIRY"
            """,
            executable: true
        )
    }

    static func kubeconfig(plugin: String, expiry: String) -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: exec
        clusters:
        - name: c
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: YXV0aG9yaXR5IFBFTQ==
        users:
        - name: u
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: ./\(plugin)
              args: [--unused]
              env:
              - {name: PLUGIN_GREETING, value: hello}
              - {name: EXPIRY, value: "\(expiry)"}
              interactiveMode: Never
              provideClusterInfo: true
        contexts:
        - name: exec
          context: {cluster: c, user: u}
        """
    }

    @Test func tokenCachedUntilExpiry() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        _ = try Self.writePlugin(in: directory, apiVersion: "client.authentication.k8s.io/v1")
        let file = try directory.write("config", Self.kubeconfig(plugin: "plugin.sh", expiry: "2030-01-01T00:10:00Z"))
        let expiry = try #require(KubeTime.parse("2030-01-01T00:10:00Z"))
        let now = Mutex(expiry.addingTimeInterval(-600))
        let config = try KubeConfigurationLoader.loadFiles([file])
        let credentials = try #require(try config.configuration(execClock: { now.withLock { $0 } }).credentials)

        #expect(try await credentials.authorization() == "Bearer exec-token-1")
        now.withLock { $0 = expiry.addingTimeInterval(-1) }
        #expect(try await credentials.authorization() == "Bearer exec-token-1")
        now.withLock { $0 = expiry }
        #expect(try await credentials.authorization() == "Bearer exec-token-2")
        now.withLock { $0 = expiry.addingTimeInterval(-600) }
        credentials.invalidate()
        #expect(try await credentials.authorization() == "Bearer exec-token-3")
        let runs = try String(contentsOfFile: directory.path + "/runs", encoding: .utf8)
        #expect(runs.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
    }

    @Test func pluginGetsExecInfoAndEnv() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        _ = try Self.writePlugin(in: directory, apiVersion: "client.authentication.k8s.io/v1")
        let file = try directory.write("config", Self.kubeconfig(plugin: "plugin.sh", expiry: "2030-01-01T00:00:00Z"))
        let credentials = try #require(
            try KubeConfigurationLoader.loadFiles([file]).configuration().credentials
        )

        _ = try await credentials.authorization()

        let info =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: directory.path + "/exec-info.json"))
            ) as? [String: Any]
        #expect(info?["apiVersion"] as? String == "client.authentication.k8s.io/v1")
        #expect(info?["kind"] as? String == "ExecCredential")
        let spec = info?["spec"] as? [String: Any]
        #expect(spec?["interactive"] as? Bool == false)
        let cluster = spec?["cluster"] as? [String: Any]
        #expect(cluster?["server"] as? String == "https://127.0.0.1:6443")
        #expect(cluster?["certificate-authority-data"] as? String == "YXV0aG9yaXR5IFBFTQ==")
        #expect(try String(contentsOfFile: directory.path + "/greeting", encoding: .utf8) == "hello")
    }

    @Test func wrongOutputVersionRejected() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        _ = try Self.writePlugin(in: directory, apiVersion: "client.authentication.k8s.io/v1beta1")
        let file = try directory.write("config", Self.kubeconfig(plugin: "plugin.sh", expiry: "2030-01-01T00:00:00Z"))
        let credentials = try #require(
            try KubeConfigurationLoader.loadFiles([file]).configuration().credentials
        )

        await #expect {
            try await credentials.authorization()
        } throws: { error in
            guard case KubeError.execPlugin(_, let message) = error else { return false }
            return message.contains("printed apiVersion \"client.authentication.k8s.io/v1beta1\"")
        }
    }

    @Test func failingPluginReportsStderr() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        try directory.write("plugin.sh", "#!/bin/sh\necho 'login expired' >&2\nexit 3\n", executable: true)
        let file = try directory.write("config", Self.kubeconfig(plugin: "plugin.sh", expiry: ""))
        let credentials = try #require(
            try KubeConfigurationLoader.loadFiles([file]).configuration().credentials
        )

        await #expect {
            try await credentials.authorization()
        } throws: { error in
            guard case KubeError.execPlugin(_, let message) = error else { return false }
            return message == "it exited with status 3: login expired"
        }
    }

    @Test func interactiveModeAlwaysRejected() throws {
        let text = Self.kubeconfig(plugin: "plugin.sh", expiry: "").replacingOccurrences(
            of: "interactiveMode: Never",
            with: "interactiveMode: Always"
        )
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let config = try KubeConfigurationLoader.loadFiles([try directory.write("config", text)])

        #expect(throws: KubeError.self) { try config.configuration() }
    }
}

@Suite struct InClusterConfigurationTests {
    @Test func serviceAccountFilesUsed() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        try directory.write("token", "sa-token\n")
        try directory.write("ca.crt", "authority")
        try directory.write("namespace", "shop\n")
        let loader = KubeConfigurationLoader(
            environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: directory.path,
            homeDirectory: directory.path
        )

        let configuration = try loader.load()

        #expect(configuration.server == "https://10.0.0.1:443")
        #expect(configuration.namespace == "shop")
        #expect(configuration.tls.certificateAuthority == .file(directory.path + "/ca.crt"))
        #expect(try await configuration.credentials?.authorization() == "Bearer sa-token")
        #expect(configuration.source == "in-cluster service account")
    }

    @Test func podNamespaceAndIPv6Host() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        try directory.write("token", "sa-token")
        let loader = KubeConfigurationLoader(
            environment: [
                "KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443", "POD_NAMESPACE": "jobs",
            ],
            serviceAccountDirectory: directory.path,
            homeDirectory: directory.path
        )

        let configuration = try #require(try loader.inClusterConfiguration())

        #expect(configuration.server == "https://[fd00::1]:6443")
        #expect(configuration.namespace == "jobs")
    }

    @Test func kubeconfigVariableBeatsInCluster() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        try directory.write("token", "sa-token")
        let loader = KubeConfigurationLoader(
            environment: [
                "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443",
                "KUBECONFIG": Fixture.path("merge-first.yaml"),
            ],
            serviceAccountDirectory: directory.path,
            homeDirectory: directory.path
        )

        #expect(try loader.load().server == "https://127.0.0.1:1001")
    }
}
