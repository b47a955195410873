import Foundation
import HTTPTransport

/// Finds the configuration the way kubectl and client-go do: an explicit kubeconfig path, else
/// the files of `KUBECONFIG` (colon-separated, merged), else the in-cluster service account,
/// else `~/.kube/config`. A non-empty `KUBECONFIG` whose files are all missing is an error
/// outside a pod: the home file is read only when `KUBECONFIG` is unset or empty.
public struct KubeConfigurationLoader: Sendable {
    public var environment: [String: String]
    /// Directory of the mounted service account (token, ca.crt, namespace).
    public var serviceAccountDirectory: String
    public var homeDirectory: String

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount",
        homeDirectory: String = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? NSHomeDirectory()
    ) {
        self.environment = environment
        self.serviceAccountDirectory = serviceAccountDirectory
        self.homeDirectory = homeDirectory
    }

    /// Loads the configuration; `kubeconfig` is the `--kubeconfig` flag, `context` overrides the
    /// current context.
    public func load(kubeconfig: String? = nil, context: String? = nil) throws(KubeError) -> KubeConfiguration {
        if let kubeconfig {
            guard FileManager.default.fileExists(atPath: kubeconfig) else {
                throw .invalidConfiguration(location: kubeconfig, message: "the kubeconfig file does not exist")
            }
            return try Self.loadFiles([kubeconfig], homeDirectory: homeDirectory).configuration(context: context)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init)
            let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty {
                return try Self.loadFiles(existing, homeDirectory: homeDirectory).configuration(context: context)
            }
            // client-go reads ~/.kube/config only when KUBECONFIG is unset or empty. With every
            // listed file missing its merged configuration is empty, and only the in-cluster
            // configuration can still apply.
            if let inCluster = try inClusterConfiguration() { return inCluster }
            throw .invalidConfiguration(
                location: "KUBECONFIG",
                message: "none of the files it lists exists (\(paths.joined(separator: ", "))); "
                    + "fix the paths or unset KUBECONFIG to use \(homeDirectory)/.kube/config"
            )
        }
        var searched: [String] = []
        if let inCluster = try inClusterConfiguration() { return inCluster }
        searched.append("in-cluster service account (KUBERNETES_SERVICE_HOST, \(serviceAccountDirectory))")
        let home = "\(homeDirectory)/.kube/config"
        if FileManager.default.fileExists(atPath: home) {
            return try Self.loadFiles([home], homeDirectory: homeDirectory).configuration(context: context)
        }
        searched.append(home)
        throw .noConfiguration(searched: searched)
    }

    /// Reads and merges kubeconfig files in order; duplicates are read once and a missing file
    /// is skipped, as kubectl does. A path in a file that starts with `~/` is expanded with
    /// `homeDirectory`.
    public static func loadFiles(
        _ paths: [String],
        homeDirectory: String = NSHomeDirectory()
    ) throws(KubeError) -> Kubeconfig {
        var merged = Kubeconfig()
        var seen: Set<String> = []
        for path in paths where seen.insert(path).inserted {
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .invalidConfiguration(
                    location: path,
                    message: "cannot read the file: \(error.localizedDescription)"
                )
            }
            merged = merged.merged(with: try KubeconfigParser.parse(text, file: path, homeDirectory: homeDirectory))
        }
        return merged
    }

    /// Builds the in-cluster configuration, or returns `nil` outside a pod (either service variable unset).
    public func inClusterConfiguration() throws(KubeError) -> KubeConfiguration? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else { return nil }
        let tokenPath = "\(serviceAccountDirectory)/token"
        guard FileManager.default.fileExists(atPath: tokenPath) else {
            throw .invalidConfiguration(
                location: tokenPath,
                message: "KUBERNETES_SERVICE_HOST is set but the service account token is missing; "
                    + "check automountServiceAccountToken"
            )
        }
        let server = host.contains(":") ? "https://[\(host)]:\(port)" : "https://\(host):\(port)"
        var namespace = environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 }
        if namespace == nil {
            let file = try? String(contentsOfFile: "\(serviceAccountDirectory)/namespace", encoding: .utf8)
            namespace = file?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        }
        return KubeConfiguration(
            server: server,
            tls: .init(certificateAuthority: .file("\(serviceAccountDirectory)/ca.crt")),
            credentials: RotatingTokenFile(path: tokenPath),
            namespace: namespace ?? "default",
            source: "in-cluster service account"
        )
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
