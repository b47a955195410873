import Foundation
import YAML

/// Reads one kubeconfig file's YAML into a `Kubeconfig`, citing `file:line:column` in errors.
enum KubeconfigParser {
    /// Parses `text` read from `file`. A path that starts with `~/` is expanded with
    /// `homeDirectory`.
    static func parse(_ text: String, file: String, homeDirectory: String = NSHomeDirectory()) throws(KubeError)
        -> Kubeconfig
    {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(text)
        } catch let error as YAMLError {
            let location = error.mark.map { "\(file):\($0.line):\($0.column)" } ?? file
            throw .invalidConfiguration(location: location, message: error.message)
        } catch {
            throw .invalidConfiguration(location: file, message: "\(error)")
        }
        var config = Kubeconfig()
        config.files = [file]
        guard let root else { return config }
        let reader = Reader(
            file: file,
            directory: (file as NSString).deletingLastPathComponent,
            homeDirectory: homeDirectory
        )
        guard root.pairs != nil else {
            throw reader.error(root, "the kubeconfig must be a mapping, found a \(root.kindName)")
        }

        config.currentContext = try reader.string(root["current-context"])
        for (name, node) in try reader.namedEntries(root, list: "clusters", field: "cluster") {
            if config.clusters[name] == nil { config.clusters[name] = try reader.cluster(node, name: name) }
        }
        for (name, node) in try reader.namedEntries(root, list: "users", field: "user") {
            if config.users[name] == nil { config.users[name] = try reader.user(node) }
        }
        for (name, node) in try reader.namedEntries(root, list: "contexts", field: "context") {
            guard let cluster = try reader.string(node["cluster"]), let user = try reader.string(node["user"]) else {
                throw reader.error(node, "context \"\(name)\" needs both cluster and user")
            }
            let namespace = try reader.string(node["namespace"])
            config.contexts[name] =
                config.contexts[name]
                ?? Kubeconfig.Context(cluster: cluster, user: user, namespace: namespace)
        }
        return config
    }
}

/// Typed access to YAML nodes with errors that cite the node's position.
struct Reader {
    let file: String
    let directory: String
    /// Replaces a leading `~` in paths.
    let homeDirectory: String

    func error(_ node: YAMLNode, _ message: String) -> KubeError {
        .invalidConfiguration(location: "\(file):\(node.mark.line):\(node.mark.column)", message: message)
    }

    func string(_ node: YAMLNode?) throws(KubeError) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else { throw error(node, "expected a string, found a \(node.kindName)") }
        return scalar.isNull ? nil : scalar.value
    }

    func bool(_ node: YAMLNode?) throws(KubeError) -> Bool {
        guard let node else { return false }
        guard let value = node.scalar?.boolValue else { throw error(node, "expected true or false") }
        return value
    }

    /// Resolves a path against the kubeconfig file's directory.
    ///
    /// NOTE: client-go does not expand `~` in kubeconfig paths and would read `~/ca.crt` as a
    /// directory named `~` next to the file. This reader expands a leading `~/` with the
    /// loader's home directory instead, because no one names a directory `~` on purpose.
    func path(_ node: YAMLNode?) throws(KubeError) -> String? {
        guard let value = try string(node), !value.isEmpty else { return nil }
        if value.hasPrefix("/") { return value }
        if value.hasPrefix("~/") { return homeDirectory + value.dropFirst() }
        return (directory as NSString).appendingPathComponent(value)
    }

    func base64(_ node: YAMLNode?) throws(KubeError) -> Data? {
        guard let node, let text = try string(node), !text.isEmpty else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { throw error(node, "invalid base64 data") }
        return data
    }

    /// Collects the `name` and inner mapping of each entry of a list such as `clusters`.
    func namedEntries(_ root: YAMLNode, list: String, field: String) throws(KubeError) -> [(String, YAMLNode)] {
        guard let listNode = root[list], listNode.scalar?.isNull != true else { return [] }
        guard let items = listNode.items else { throw error(listNode, "\(list) must be a list") }
        var entries: [(String, YAMLNode)] = []
        for item in items {
            guard let name = try string(item["name"]), !name.isEmpty else {
                throw error(item, "every entry of \(list) needs a name")
            }
            guard let inner = item[field], inner.pairs != nil else {
                throw error(item, "\(list) entry \"\(name)\" needs a \(field) mapping")
            }
            entries.append((name, inner))
        }
        return entries
    }

    func cluster(_ node: YAMLNode, name: String) throws(KubeError) -> Kubeconfig.Cluster {
        guard let server = try string(node["server"]), !server.isEmpty else {
            throw error(node, "cluster \"\(name)\" has no server")
        }
        return Kubeconfig.Cluster(
            server: server,
            certificateAuthority: try path(node["certificate-authority"]),
            certificateAuthorityData: try base64(node["certificate-authority-data"]),
            insecureSkipTLSVerify: try bool(node["insecure-skip-tls-verify"]),
            tlsServerName: try string(node["tls-server-name"])
        )
    }

    func user(_ node: YAMLNode) throws(KubeError) -> Kubeconfig.User {
        var user = Kubeconfig.User(
            clientCertificate: try path(node["client-certificate"]),
            clientCertificateData: try base64(node["client-certificate-data"]),
            clientKey: try path(node["client-key"]),
            clientKeyData: try base64(node["client-key-data"]),
            token: try string(node["token"]),
            tokenFile: try path(node["tokenFile"]),
            username: try string(node["username"]),
            password: try string(node["password"])
        )
        if let exec = node["exec"], exec.scalar?.isNull != true {
            user.exec = try execConfig(exec)
        }
        if let provider = node["auth-provider"], provider.scalar?.isNull != true {
            throw error(provider, "auth-provider plugins are not supported; use an exec credential plugin")
        }
        return user
    }

    func execConfig(_ node: YAMLNode) throws(KubeError) -> Kubeconfig.ExecConfig {
        guard let command = try string(node["command"]), !command.isEmpty else {
            throw error(node, "exec needs a command")
        }
        var args: [String] = []
        if let argsNode = node["args"], argsNode.scalar?.isNull != true {
            guard let items = argsNode.items else { throw error(argsNode, "exec args must be a list") }
            for item in items { args.append(try string(item) ?? "") }
        }
        var env: [String: String] = [:]
        if let envNode = node["env"], envNode.scalar?.isNull != true {
            guard let items = envNode.items else { throw error(envNode, "exec env must be a list") }
            for item in items {
                guard let name = try string(item["name"]) else { throw error(item, "exec env entries need a name") }
                env[name] = try string(item["value"]) ?? ""
            }
        }
        // A relative command path with a slash is relative to the kubeconfig file, as in kubectl.
        let resolved =
            command.contains("/") && !command.hasPrefix("/")
            ? (directory as NSString).appendingPathComponent(command) : command
        return Kubeconfig.ExecConfig(
            apiVersion: try string(node["apiVersion"]) ?? "",
            command: resolved,
            args: args,
            env: env,
            installHint: try string(node["installHint"]),
            provideClusterInfo: try bool(node["provideClusterInfo"]),
            interactiveMode: try string(node["interactiveMode"])
        )
    }
}
