import Foundation
import HTTPServer

/// The admin API, plain HTTP on its own loopback port, for tests and the live testbed:
///
/// - `GET /audit` returns the audit log as a JSON array; `DELETE /audit` clears it.
/// - `POST /faults` adds a `FaultRule` (JSON, such as `{"method":"PATCH","path":"/apis/*",
///   "count":1,"action":{"fail":{"status":429,"reason":"TooManyRequests","retryAfterSeconds":2}}}`);
///   `DELETE /faults` removes every rule and releases held requests. A rule needs a count of
///   at least 1, a fail status from 100 to 599 and a delay of at most 60 000 ms, else 400.
/// - `GET /holds/{name}` returns `{"state":"armed|holding|released"}`;
///   `POST /holds/{name}/release` releases it.
/// - `POST /objects` stores an object or a `List` of them as given; `GET /objects/{api path}`
///   reads one without authentication, such as `/objects/apis/apps/v1/namespaces/shop/deployments/api`.
/// - `PUT /mirroring` takes `{"enabled":true,"delayMilliseconds":500}`.
/// - `PUT /tokens/{token}` takes `{"identity":"name"}`; `DELETE /tokens/{token}` revokes it.
/// - `PUT /rbac/{identity}` takes an array of `RBACRule`, or `null` to lift every limit.
extension APIRouter {
    func handleAdmin(_ request: ServerRequest) async -> ServerResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        do {
            switch (request.method, parts.first ?? "", parts.count) {
            case ("GET", "audit", 1):
                return .json(200, try Self.adminEncoder.encode(audit.all))
            case ("DELETE", "audit", 1):
                audit.clear()
                return .json(200, Data("{}".utf8))
            case ("POST", "faults", 1):
                let rule = try JSONDecoder().decode(FaultRule.self, from: request.body)
                guard rule.problems.isEmpty else {
                    return .text(400, "invalid fault rule: \(rule.problems.joined(separator: "; "))\n")
                }
                faults.add(rule)
                return .json(201, Data("{}".utf8))
            case ("DELETE", "faults", 1):
                faults.reset()
                return .json(200, Data("{}".utf8))
            case ("GET", "holds", 2):
                guard let state = faults.holdState(parts[1]) else { return .text(404, "no hold named \(parts[1])\n") }
                return Self.json(200, ["name": .string(parts[1]), "state": .string(state.rawValue)])
            case ("POST", "holds", 3) where parts[2] == "release":
                faults.release(hold: parts[1])
                return .json(200, Data("{}".utf8))
            case ("POST", "objects", 1):
                return Self.json(201, try seed(try JSONValue.parse(request.body)))
            case ("GET", "objects", _):
                return try readObject("/" + parts.dropFirst().joined(separator: "/"))
            case ("PUT", "mirroring", 1):
                let settings = try JSONValue.parse(request.body)
                let delay = settings["delayMilliseconds"]?.intValue ?? 0
                store.setReplicaMirroring(
                    enabled: settings["enabled"]?.boolValue ?? true,
                    delay: .milliseconds(max(delay, 0))
                )
                return .json(200, Data("{}".utf8))
            case ("PUT", "tokens", 2):
                guard let identity = try JSONValue.parse(request.body)["identity"]?.stringValue else {
                    return .text(400, "body must be {\"identity\":\"name\"}\n")
                }
                access.addToken(parts[1], identity: identity)
                return .json(200, Data("{}".utf8))
            case ("DELETE", "tokens", 2):
                access.revokeToken(parts[1])
                return .json(200, Data("{}".utf8))
            case ("PUT", "rbac", 2):
                let rules = try JSONDecoder().decode([RBACRule]?.self, from: request.body)
                access.setRules(rules, for: parts[1])
                return .json(200, Data("{}".utf8))
            default:
                return .text(404, "unknown admin request \(request.method) \(request.path)\n")
            }
        } catch let failure as APIFailure {
            return Self.failure(failure)
        } catch {
            return .text(400, "invalid admin request body: \(error)\n")
        }
    }

    private func seed(_ value: JSONValue) throws -> JSONValue {
        if let items = value["items"]?.arrayValue {
            return .array(try items.map { item throws(APIFailure) in try store.seed(item) })
        }
        return try store.seed(value)
    }

    private func readObject(_ apiPath: String) throws -> ServerResponse {
        guard let path = APIPath(apiPath), let name = path.name, let namespace = path.namespace else {
            return .text(404, "not an object path: \(apiPath)\n")
        }
        let object = try store.get(path.type, namespace: namespace, name: name)
        return Self.json(200, path.subresource == "scale" ? ObjectStore.scale(of: object, type: path.type) : object)
    }

    /// Encodes audit times as RFC 3339 with milliseconds, so tests can compare them.
    static var adminEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            var container = encoder.singleValueContainer()
            try container.encode(formatter.string(from: date))
        }
        return encoder
    }
}
