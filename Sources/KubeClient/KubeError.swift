import Foundation
import HTTPTransport

/// Everything the Kubernetes client can fail with, each described for an operator.
public enum KubeError: Error, Sendable, CustomStringConvertible {
    /// No configuration source was found: no kubeconfig file, no in-cluster service account.
    case noConfiguration(searched: [String])
    /// A kubeconfig file or in-cluster file is invalid. `location` is `file:line:column` when known.
    case invalidConfiguration(location: String, message: String)
    /// An exec credential plugin failed or printed an unusable ExecCredential.
    case execPlugin(command: String, message: String)
    /// No HTTP response arrived.
    case transport(TransportError, target: KubeRequestTarget)
    /// 401 even after the credentials were reloaded once.
    case unauthorized(target: KubeRequestTarget, status: KubeStatus?)
    /// 403: RBAC does not grant the verb on the resource in the namespace.
    case forbidden(target: KubeRequestTarget, status: KubeStatus?)
    /// 404 for the object.
    case notFound(target: KubeRequestTarget, status: KubeStatus?)
    /// 409 `Conflict`: the object changed since it was read (stale resourceVersion). Re-read
    /// and decide again, because retrying the same write would overwrite the other writer.
    case conflict(target: KubeRequestTarget, status: KubeStatus?)
    /// 409 `AlreadyExists`: a create found an object with that name.
    case alreadyExists(target: KubeRequestTarget, status: KubeStatus?)
    /// 429 or 5xx still returned after `attempts` tries that honoured `Retry-After`, or after
    /// fewer when the next wait would pass the client's `maxRetryWait`.
    case throttled(target: KubeRequestTarget, httpStatus: Int, attempts: Int, status: KubeStatus?)
    /// Any other non-2xx response.
    case api(target: KubeRequestTarget, httpStatus: Int, status: KubeStatus?)
    /// A 2xx response whose body could not be decoded.
    case invalidResponse(target: KubeRequestTarget, message: String)

    public var description: String {
        switch self {
        case .noConfiguration(let searched):
            return "no Kubernetes configuration found (looked at: \(searched.joined(separator: ", "))): "
                + "pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account"
        case .invalidConfiguration(let location, let message):
            return "invalid Kubernetes configuration at \(location): \(message)"
        case .execPlugin(let command, let message):
            return "the exec credential plugin \"\(command)\" failed: \(message)"
        case .transport(let error, let target):
            return "\(target.verb) \(target) got no response: \(error)"
        case .unauthorized(let target, let status):
            return "the API server rejected the credentials (401) for \(target.verb) \(target)"
                + serverMessage(status)
                + ": the token or certificate is expired or revoked; check the kubeconfig user "
                + "or the service account token"
        case .forbidden(let target, let status):
            return Self.forbiddenMessage(target) + serverMessage(status)
        case .notFound(let target, let status):
            return "\(target) was not found (404)" + serverMessage(status)
        case .conflict(let target, _):
            return "\(target) changed since it was read (409 Conflict): re-read it and decide again"
        case .alreadyExists(let target, _):
            return "\(target) already exists (409 AlreadyExists)"
        case .throttled(let target, let httpStatus, let attempts, let status):
            let tries = attempts == 1 ? "" : " on all \(attempts) attempts"
            let wait = status?.details?.retryAfterSeconds.map { ", requesting a wait of \($0) s" } ?? ""
            return "the API server returned \(httpStatus) to \(target.verb) \(target)\(tries)\(wait)"
                + serverMessage(status)
                + (httpStatus == 429
                    ? ": lower the client QPS or check the API server's load"
                    : ": check the API server's health and load")
        case .api(let target, let httpStatus, let status):
            let reason = status?.reason.map { " \($0)" } ?? ""
            return "\(target.verb) \(target) failed with HTTP \(httpStatus)\(reason)" + serverMessage(status)
        case .invalidResponse(let target, let message):
            return "the API server's response to \(target.verb) \(target) is invalid: \(message)"
        }
    }

    /// Such as `RBAC denies "patch" on "deployments/scale" in namespace "shop": grant it to
    /// the service account with a Role rule {apiGroups: ["apps"], resources:
    /// ["deployments/scale"], verbs: ["patch"]}`.
    static func forbiddenMessage(_ target: KubeRequestTarget) -> String {
        let scope = target.namespace.map { "in namespace \"\($0)\"" } ?? "at cluster scope"
        let kind = target.namespace == nil ? "ClusterRole" : "Role"
        return "RBAC denies \"\(target.verb)\" on \"\(target.rbacResource)\" \(scope): grant it to the "
            + "service account with a \(kind) rule {apiGroups: [\"\(target.group)\"], resources: "
            + "[\"\(target.rbacResource)\"], verbs: [\"\(target.verb)\"]} and a binding"
    }

    private func serverMessage(_ status: KubeStatus?) -> String {
        guard let message = status?.message, !message.isEmpty else { return "" }
        return " (server: \(message))"
    }

    /// The seconds a throttled call's last response requested before the next attempt, `nil`
    /// for other errors.
    public var retryAfterSeconds: Double? {
        guard case .throttled(_, _, _, let status) = self else { return nil }
        return status?.details?.retryAfterSeconds.map(Double.init)
    }

    /// Whether a later attempt may succeed without a change of configuration or RBAC.
    public var isTransient: Bool {
        switch self {
        case .transport, .throttled, .conflict: true
        case .api(_, let httpStatus, _): httpStatus >= 500
        default: false
        }
    }
}
