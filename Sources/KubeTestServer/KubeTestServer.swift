import Foundation
import HTTPServer

/// A stand-in for the Kubernetes API server: HTTPS with bearer tokens, discovery, the resources
/// in `ResourceType.all`, and an optional plain-HTTP admin API for faults, seeding and the
/// audit log. Both listen on loopback only.
public final class KubeTestServer: Sendable {
    /// Settings fixed at start.
    public struct Configuration: Sendable {
        /// API port, 0 to let the kernel pick.
        public var apiPort: Int
        /// Admin API port, 0 to let the kernel pick, `nil` for no admin API.
        public var adminPort: Int?
        public var tls: ServerTLS
        /// Bearer token to identity name.
        public var tokens: [String: String]
        /// The `gitVersion` that `/version` reports; kubectl's dispatcher picks its client by it.
        public var gitVersion: String

        public init(
            apiPort: Int = 0,
            adminPort: Int? = 0,
            tls: ServerTLS,
            tokens: [String: String],
            gitVersion: String = "v1.32.4"
        ) {
            self.apiPort = apiPort
            self.adminPort = adminPort
            self.tls = tls
            self.tokens = tokens
            self.gitVersion = gitVersion
        }
    }

    public let store: ObjectStore
    public let access: AccessControl
    public let faults: FaultInjector
    public let audit: AuditLog
    private let servers: ServerPair

    /// Starts the API server and, when configured, the admin API.
    public init(_ configuration: Configuration) throws {
        let router = APIRouter(
            store: ObjectStore(),
            access: AccessControl(tokens: configuration.tokens),
            faults: FaultInjector(),
            audit: AuditLog(),
            gitVersion: configuration.gitVersion
        )
        store = router.store
        access = router.access
        faults = router.faults
        audit = router.audit

        let api = try HTTPServer(port: configuration.apiPort, tls: configuration.tls) { request in
            await router.handle(request)
        }
        var admin: HTTPServer?
        do {
            if let adminPort = configuration.adminPort {
                admin = try HTTPServer(port: adminPort) { request in
                    await router.handleAdmin(request)
                }
            }
        } catch {
            api.stop()
            throw error
        }
        api.observeRejections { request, response in
            router.recordRejected(request, response: response)
        }
        servers = ServerPair(api: api, admin: admin)
    }

    /// The API base URL, such as `https://127.0.0.1:40123`.
    public var apiURL: String { servers.api.baseURL }
    public var apiPort: Int { servers.api.port }
    /// The admin API base URL, `nil` without an admin API.
    public var adminURL: String? { servers.admin?.baseURL }
    public var adminPort: Int? { servers.admin?.port }

    /// Releases held requests, then stops both servers and waits for requests in flight.
    public func stop() {
        faults.reset()
        servers.admin?.stop()
        servers.api.stop()
    }
}

private struct ServerPair: Sendable {
    let api: HTTPServer
    let admin: HTTPServer?
}
