import Foundation
import Synchronization

/// Bearer tokens and the RBAC rules of each identity. An identity without rules may do
/// anything; one with rules may do only what they allow.
public final class AccessControl: Sendable {
    struct State {
        var identities: [String: String] = [:]
        var rules: [String: [RBACRule]] = [:]
    }

    private let state = Mutex(State())

    public init(tokens: [String: String] = [:]) {
        state.withLock { $0.identities = tokens }
    }

    /// Makes `token` authenticate as `identity`.
    public func addToken(_ token: String, identity: String) {
        state.withLock { $0.identities[token] = identity }
    }

    /// Makes `token` fail authentication from now on.
    public func revokeToken(_ token: String) {
        state.withLock { $0.identities[token] = nil }
    }

    /// Limits `identity` to `rules`; `nil` lifts every limit.
    public func setRules(_ rules: [RBACRule]?, for identity: String) {
        state.withLock { $0.rules[identity] = rules }
    }

    /// Looks up the identity of an `Authorization: Bearer` header value, `nil` when unknown or absent.
    func identity(authorization: String?) -> String? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        let token = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        return state.withLock { $0.identities[token] }
    }

    func allows(identity: String, verb: String, path: APIPath) -> Bool {
        guard let rules = state.withLock({ $0.rules[identity] }) else { return true }
        return rules.contains {
            $0.allows(verb: verb, group: path.type.group, resource: path.rbacResource, namespace: path.namespace)
        }
    }

    /// Builds the 403 that the API server returns for a denied request.
    static func forbidden(identity: String, verb: String, path: APIPath) -> APIFailure {
        let subject = path.name.map { "\(path.type.qualifiedName) \"\($0)\"" } ?? path.type.qualifiedName
        var message =
            "\(subject) is forbidden: User \"\(identity)\" cannot \(verb) resource "
            + "\"\(path.rbacResource)\" in API group \"\(path.type.group)\""
        message += path.namespace.map { " in the namespace \"\($0)\"" } ?? " at the cluster scope"
        return APIFailure(
            code: 403,
            reason: "Forbidden",
            message: message,
            details: APIFailure.details(path.type, name: path.name)
        )
    }
}
