import Foundation
import HTTPTransport
import Synchronization

/// Runs a kubeconfig `exec` plugin (`client.authentication.k8s.io/v1`) for a bearer token.
///
/// The token is cached until the `expirationTimestamp` the plugin printed (forever when it
/// printed none) and dropped by `invalidate()`, which the transport calls after a 401. The
/// plugin gets `KUBERNETES_EXEC_INFO` and the configured `env` on top of this process's
/// environment, and it is killed with its process group when it runs longer than `timeout`.
public final class ExecCredentialProvider: CredentialProvider {
    public let config: Kubeconfig.ExecConfig
    public let timeout: Duration
    private let execInfo: String
    private let now: @Sendable () -> Date
    private let cache = Mutex<(token: String, expiry: Date?)?>(nil)

    static let supportedAPIVersion = "client.authentication.k8s.io/v1"

    /// Checks the plugin settings; throws `KubeError.invalidConfiguration` for an unsupported
    /// apiVersion or an `interactiveMode` other than `Never` or `IfAvailable`.
    public init(
        config: Kubeconfig.ExecConfig,
        cluster: Kubeconfig.Cluster,
        timeout: Duration = .seconds(30),
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(KubeError) {
        guard config.apiVersion == Self.supportedAPIVersion else {
            throw .invalidConfiguration(
                location: "exec plugin \(config.command)",
                message: "apiVersion \"\(config.apiVersion)\" is not supported; use \(Self.supportedAPIVersion)"
            )
        }
        guard let mode = config.interactiveMode, ["Never", "IfAvailable"].contains(mode) else {
            throw .invalidConfiguration(
                location: "exec plugin \(config.command)",
                message: "interactiveMode must be Never or IfAvailable (found \(config.interactiveMode ?? "none")), "
                    + "because this client never has a terminal"
            )
        }
        self.config = config
        self.timeout = timeout
        self.now = now
        execInfo = Self.execInfo(config: config, cluster: cluster)
    }

    public func authorization() async throws -> String? {
        let current = now()
        if let cached = cache.withLock({ $0 }), cached.expiry.map({ current < $0 }) ?? true {
            return "Bearer \(cached.token)"
        }
        // NOTE: two requests that find the cache empty at once both run the plugin. The later
        // result replaces the earlier one, which is harmless for token plugins.
        let output = try await runPlugin()
        let credential = try parse(output)
        cache.withLock { $0 = credential }
        return "Bearer \(credential.token)"
    }

    public func invalidate() {
        cache.withLock { $0 = nil }
    }

    private static func execInfo(config: Kubeconfig.ExecConfig, cluster: Kubeconfig.Cluster) -> String {
        var spec: [String: Any] = ["interactive": false]
        if config.provideClusterInfo {
            var info: [String: Any] = [
                "server": cluster.server, "insecure-skip-tls-verify": cluster.insecureSkipTLSVerify,
            ]
            if let name = cluster.tlsServerName { info["tls-server-name"] = name }
            if let data = cluster.certificateAuthorityData {
                info["certificate-authority-data"] = data.base64EncodedString()
            }
            spec["cluster"] = info
        }
        let object: [String: Any] = ["apiVersion": supportedAPIVersion, "kind": "ExecCredential", "spec": spec]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private func failure(_ message: String) -> KubeError {
        var text = message
        if let hint = config.installHint, !hint.isEmpty { text += "; \(hint)" }
        return .execPlugin(command: config.command, message: text)
    }

    private func runPlugin() async throws(KubeError) -> Data {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(config.env) { _, configured in configured }
        environment["KUBERNETES_EXEC_INFO"] = execInfo
        // A bare command name is looked up in PATH by env(1), as a shell would.
        let usesPath = !config.command.contains("/")
        let process = PluginProcess(
            executable: usesPath ? "/usr/bin/env" : config.command,
            arguments: usesPath ? [config.command] + config.args : config.args,
            environment: environment,
            timeout: timeout
        )

        let outcome: PluginProcess.Outcome
        do {
            outcome = try await process.run()
        } catch {
            throw failure("cannot start it: \(error.description)")
        }
        let stderr = String(decoding: outcome.errors.prefix(2000), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        switch outcome.termination {
        case .timedOut:
            throw failure("it ran longer than \(timeout) and was killed with its process group")
        case .signaled(let signal):
            throw failure("signal \(signal) ended it: \(stderr)")
        case .exited(let status) where status != 0:
            throw failure("it exited with status \(status): \(stderr)")
        case .exited:
            return outcome.output
        }
    }

    private func parse(_ output: Data) throws(KubeError) -> (token: String, expiry: Date?) {
        struct ExecCredential: Decodable {
            struct Status: Decodable {
                var token: String?
                var expirationTimestamp: String?
                var clientCertificateData: String?
                var clientKeyData: String?
            }
            var apiVersion: String?
            var kind: String?
            var status: Status?
        }
        let credential: ExecCredential
        do {
            credential = try JSONDecoder().decode(ExecCredential.self, from: output)
        } catch {
            throw failure("its output is not an ExecCredential JSON object: \(error)")
        }
        guard credential.apiVersion == config.apiVersion else {
            throw failure(
                "it printed apiVersion \"\(credential.apiVersion ?? "")\", expected \"\(config.apiVersion)\""
            )
        }
        guard credential.kind == "ExecCredential", let status = credential.status else {
            throw failure("its output has no ExecCredential status")
        }
        guard let token = status.token, !token.isEmpty else {
            if status.clientCertificateData != nil {
                // NOTE: the transport sets client certificates once per client, so a plugin
                // that returns a certificate instead of a token cannot be used.
                throw failure("it returned a client certificate; only token credentials are supported")
            }
            throw failure("its status has no token")
        }
        var expiry: Date?
        if let text = status.expirationTimestamp {
            guard let date = KubeTime.parse(text) else {
                throw failure("its expirationTimestamp \"\(text)\" is not an RFC 3339 time")
            }
            expiry = date
        }
        return (token, expiry)
    }
}
