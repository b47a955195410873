import Foundation
import HTTPServer

/// Serves API requests: authentication, injected faults, RBAC, then the resource operation,
/// with one audit entry per request.
final class APIRouter: Sendable {
    let store: ObjectStore
    let access: AccessControl
    let faults: FaultInjector
    let audit: AuditLog
    let gitVersion: String

    init(store: ObjectStore, access: AccessControl, faults: FaultInjector, audit: AuditLog, gitVersion: String) {
        self.store = store
        self.access = access
        self.faults = faults
        self.audit = audit
        self.gitVersion = gitVersion
    }

    /// Paths served without a bearer token, as the API server serves them to anonymous users.
    static let publicPaths: Set<String> = ["/version", "/healthz", "/readyz", "/livez"]

    func handle(_ request: ServerRequest) async -> ServerResponse {
        let sequence = audit.nextSequence()
        let arrival = Date()
        let identity = access.identity(authorization: request.header("Authorization"))
        let path = APIPath(request.path)
        let verb = path.map { Self.verb(method: request.method, path: $0) } ?? request.method.lowercased()
        let (response, fault) = await serve(request, identity: identity, path: path, verb: verb)

        record(
            request,
            sequence: sequence,
            arrival: arrival,
            identity: identity,
            verb: verb,
            response: response,
            fault: fault
        )
        return response
    }

    /// Records a request that the HTTP server rejected before the handler, such as 413.
    func recordRejected(_ request: ServerRequest, response: ServerResponse) {
        let path = APIPath(request.path)
        record(
            request,
            sequence: audit.nextSequence(),
            arrival: Date(),
            identity: access.identity(authorization: request.header("Authorization")),
            verb: path.map { Self.verb(method: request.method, path: $0) } ?? request.method.lowercased(),
            response: response
        )
    }

    private func record(
        _ request: ServerRequest,
        sequence: Int,
        arrival: Date,
        identity: String?,
        verb: String,
        response: ServerResponse,
        fault: FaultRule.Action? = nil
    ) {
        let isWrite = ["POST", "PUT", "PATCH", "DELETE"].contains(request.method)
        audit.append(
            AuditEntry(
                sequence: sequence,
                time: arrival,
                method: request.method,
                verb: verb,
                path: request.path,
                query: request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&"),
                identity: identity,
                userAgent: request.header("User-Agent"),
                status: response.status,
                body: isWrite ? String(decoding: request.body, as: UTF8.self) : nil,
                fault: fault
            )
        )
    }

    /// Maps the method of a resource request to its Kubernetes verb.
    static func verb(method: String, path: APIPath) -> String {
        switch method {
        case "GET": path.name == nil ? "list" : "get"
        case "POST": "create"
        case "PUT": "update"
        case "PATCH": "patch"
        case "DELETE": "delete"
        default: method.lowercased()
        }
    }

    /// Serves `request` and returns the response with the fault rule action applied to it, if any.
    private func serve(
        _ request: ServerRequest,
        identity: String?,
        path: APIPath?,
        verb: String
    ) async -> (ServerResponse, FaultRule.Action?) {
        if Self.publicPaths.contains(request.path) {
            let response =
                request.path == "/version" ? Self.json(200, Discovery.version(gitVersion)) : .text(200, "ok")
            return (response, nil)
        }
        guard let identity else { return (Self.failure(.unauthorized), nil) }

        let fault = faults.take(method: request.method, path: request.path)
        switch fault {
        case .fail(let status, let reason, let retryAfter):
            let failure = APIFailure(
                code: status,
                reason: reason,
                message: "injected fault: \(reason)",
                retryAfterSeconds: retryAfter
            )
            var response = Self.failure(failure)
            if let retryAfter { response.headers.append(("Retry-After", String(retryAfter))) }
            return (response, fault)
        case .delay(let milliseconds):
            await faults.delay(milliseconds: milliseconds)
        case .hold(let name):
            await faults.wait(hold: name)
        case nil:
            break
        }
        return (serveResource(request, identity: identity, path: path, verb: verb), fault)
    }

    /// Serves discovery and resource requests of an authenticated identity, with RBAC.
    private func serveResource(_ request: ServerRequest, identity: String, path: APIPath?, verb: String)
        -> ServerResponse
    {
        if let discovery = discovery(request.path) { return Self.json(200, discovery) }
        guard let path else { return Self.failure(.pathNotFound(request.path)) }
        guard access.allows(identity: identity, verb: verb, path: path) else {
            return Self.failure(AccessControl.forbidden(identity: identity, verb: verb, path: path))
        }
        do {
            return try resourceResponse(request, path: path)
        } catch {
            return Self.failure(error)
        }
    }

    private func discovery(_ path: String) -> JSONValue? {
        switch path {
        case "/api": return Discovery.coreVersions(serverAddress: "127.0.0.1")
        case "/apis": return Discovery.groupList
        case "/api/v1": return Discovery.resourceList("v1")
        default: break
        }
        let parts = path.split(separator: "/").map(String.init)
        guard parts.first == "apis" else { return nil }
        if parts.count == 2 {
            return ResourceType.groupVersions.first { $0.group == parts[1] }.map {
                Discovery.group($0.group, versions: $0.versions)
            }
        }
        if parts.count == 3 { return Discovery.resourceList("\(parts[1])/\(parts[2])") }
        return nil
    }

    static func json(_ status: Int, _ value: JSONValue) -> ServerResponse {
        .json(status, value.encoded())
    }

    static func failure(_ failure: APIFailure) -> ServerResponse {
        json(failure.code, failure.status)
    }
}
