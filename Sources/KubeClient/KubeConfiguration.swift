import Foundation
import HTTPTransport

/// The settings that reach one API server: its URL, TLS settings, credentials and the default
/// namespace.
public struct KubeConfiguration: Sendable {
    /// Base URL without a trailing slash, such as `https://10.0.0.1:6443`.
    public var server: String
    public var tls: TLSConfiguration
    public var credentials: (any CredentialProvider)?
    /// The namespace of the context, or of the pod when in-cluster; `default` when none is set.
    public var namespace: String
    /// The origin of the settings, for log lines and messages, such as
    /// `kubeconfig /home/me/.kube/config context dev` or `in-cluster service account`.
    public var source: String

    public init(
        server: String,
        tls: TLSConfiguration = TLSConfiguration(),
        credentials: (any CredentialProvider)? = nil,
        namespace: String = "default",
        source: String = "explicit"
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.tls = tls
        self.credentials = credentials
        self.namespace = namespace
        self.source = source
    }

    /// Transport settings for an `HTTPClient` that talks to this server.
    public func transportConfiguration(
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(30)
    ) -> TransportConfiguration {
        TransportConfiguration(
            tls: tls,
            credentials: credentials,
            connectTimeout: connectTimeout,
            totalTimeout: totalTimeout
        )
    }
}

extension Kubeconfig {
    /// Resolves context `name`, or `current-context` when `name` is `nil`, into a configuration.
    ///
    /// Rejects a context, cluster or user that is missing, `insecure-skip-tls-verify` together
    /// with a certificate authority, and more than one of token, basic auth and exec.
    public func configuration(
        context name: String? = nil,
        execClock: @escaping @Sendable () -> Date = { Date() }
    ) throws(KubeError) -> KubeConfiguration {
        let location = files.joined(separator: ":")
        guard let contextName = name ?? currentContext, !contextName.isEmpty else {
            throw .invalidConfiguration(
                location: location,
                message: "no current-context is set; pass a context name"
            )
        }
        guard let context = contexts[contextName] else {
            throw .invalidConfiguration(location: location, message: "context \"\(contextName)\" is not defined")
        }
        guard let cluster = clusters[context.cluster] else {
            throw .invalidConfiguration(
                location: location,
                message: "context \"\(contextName)\" names cluster \"\(context.cluster)\", which is not defined"
            )
        }
        guard let user = users[context.user] else {
            throw .invalidConfiguration(
                location: location,
                message: "context \"\(contextName)\" names user \"\(context.user)\", which is not defined"
            )
        }
        let hasAuthority = cluster.certificateAuthority != nil || cluster.certificateAuthorityData != nil
        if cluster.insecureSkipTLSVerify && hasAuthority {
            throw .invalidConfiguration(
                location: location,
                message: "cluster \"\(context.cluster)\" sets insecure-skip-tls-verify together with a "
                    + "certificate authority; remove one of them"
            )
        }

        var tls = TLSConfiguration(serverName: cluster.tlsServerName, insecureSkipVerify: cluster.insecureSkipTLSVerify)
        if let data = cluster.certificateAuthorityData {
            tls.certificateAuthority = .inline(data)
        } else if let file = cluster.certificateAuthority {
            tls.certificateAuthority = .file(file)
        }
        tls.clientCertificate =
            user.clientCertificateData.map { .inline($0) } ?? user.clientCertificate.map { .file($0) }
        tls.clientKey = user.clientKeyData.map { .inline($0) } ?? user.clientKey.map { .file($0) }
        if (tls.clientCertificate == nil) != (tls.clientKey == nil) {
            throw .invalidConfiguration(
                location: location,
                message: "user \"\(context.user)\" sets a client certificate or a client key but not both"
            )
        }

        let credentials = try credentials(
            for: user,
            named: context.user,
            cluster: cluster,
            location: location,
            now: execClock
        )
        return KubeConfiguration(
            server: cluster.server,
            tls: tls,
            credentials: credentials,
            namespace: context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            source: "kubeconfig \(location) context \(contextName)"
        )
    }

    private func credentials(
        for user: User,
        named name: String,
        cluster: Cluster,
        location: String,
        now: @escaping @Sendable () -> Date
    ) throws(KubeError) -> (any CredentialProvider)? {
        var methods: [String] = []
        if user.token != nil || user.tokenFile != nil { methods.append("token") }
        if user.username != nil || user.password != nil { methods.append("basic auth") }
        if user.exec != nil { methods.append("exec") }
        guard methods.count <= 1 else {
            throw .invalidConfiguration(
                location: location,
                message: "user \"\(name)\" sets more than one authentication method "
                    + "(\(methods.joined(separator: ", "))); keep one"
            )
        }
        if let tokenFile = user.tokenFile { return RotatingTokenFile(path: tokenFile) }
        if let token = user.token { return StaticBearerToken(token) }
        if user.username != nil || user.password != nil {
            return BasicAuth(username: user.username ?? "", password: user.password ?? "")
        }
        if let exec = user.exec {
            return try ExecCredentialProvider(config: exec, cluster: cluster, now: now)
        }
        return nil
    }
}
