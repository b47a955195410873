import Foundation

/// The parsed content of one or more kubeconfig files. Relative file paths are already
/// resolved against the directory of the file that named them.
public struct Kubeconfig: Sendable {
    public struct Cluster: Sendable, Equatable {
        public var server: String
        /// PEM file path; `certificateAuthorityData` wins when both are set.
        public var certificateAuthority: String?
        public var certificateAuthorityData: Data?
        public var insecureSkipTLSVerify: Bool
        /// Name checked against the server certificate instead of the URL's host.
        public var tlsServerName: String?
    }

    /// An `exec` credential plugin (`client.authentication.k8s.io/v1`).
    public struct ExecConfig: Sendable, Equatable {
        public var apiVersion: String
        public var command: String
        public var args: [String]
        /// Variables added to the environment the plugin inherits.
        public var env: [String: String]
        public var installHint: String?
        public var provideClusterInfo: Bool
        /// `Never`, `IfAvailable` or `Always`.
        public var interactiveMode: String?
    }

    public struct User: Sendable, Equatable {
        public var clientCertificate: String?
        public var clientCertificateData: Data?
        public var clientKey: String?
        public var clientKeyData: Data?
        public var token: String?
        /// A file with the bearer token; it wins over `token` and is re-read when it rotates.
        public var tokenFile: String?
        public var username: String?
        public var password: String?
        public var exec: ExecConfig?
    }

    public struct Context: Sendable, Equatable {
        public var cluster: String
        public var user: String
        public var namespace: String?
    }

    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?
    /// The files this configuration came from, first file first.
    public var files: [String] = []

    public init() {}

    /// Merges as kubectl merges the files of `KUBECONFIG`: a named cluster, user or context
    /// comes whole from the first file that defines it, and the first `current-context` wins.
    public func merged(with later: Kubeconfig) -> Kubeconfig {
        var result = self
        result.clusters.merge(later.clusters) { first, _ in first }
        result.users.merge(later.users) { first, _ in first }
        result.contexts.merge(later.contexts) { first, _ in first }
        if result.currentContext == nil || result.currentContext?.isEmpty == true {
            result.currentContext = later.currentContext
        }
        result.files += later.files
        return result
    }
}
