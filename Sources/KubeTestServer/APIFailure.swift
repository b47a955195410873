import Foundation

/// An API error that the server returns as a `Status` object.
public struct APIFailure: Error, Sendable, Equatable {
    public var code: Int
    /// A `StatusReason` such as `Conflict`, `AlreadyExists` or `Forbidden`.
    public var reason: String
    public var message: String
    public var details: JSONValue?
    public var retryAfterSeconds: Int?

    public init(
        code: Int,
        reason: String,
        message: String,
        details: JSONValue? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The `Status` object for the response body.
    public var status: JSONValue {
        var status: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(code),
        ]
        var details = self.details ?? .object([:])
        if let retryAfterSeconds { details["retryAfterSeconds"] = .int(retryAfterSeconds) }
        if details != .object([:]) { status["details"] = details }
        return status
    }

    static func details(_ type: ResourceType, name: String?) -> JSONValue {
        var details: JSONValue = ["group": .string(type.group), "kind": .string(type.name)]
        if let name { details["name"] = .string(name) }
        return details
    }

    static func notFound(_ type: ResourceType, name: String) -> APIFailure {
        APIFailure(
            code: 404,
            reason: "NotFound",
            message: "\(type.qualifiedName) \"\(name)\" not found",
            details: details(type, name: name)
        )
    }

    static func alreadyExists(_ type: ResourceType, name: String) -> APIFailure {
        APIFailure(
            code: 409,
            reason: "AlreadyExists",
            message: "\(type.qualifiedName) \"\(name)\" already exists",
            details: details(type, name: name)
        )
    }

    static func conflict(_ type: ResourceType, name: String) -> APIFailure {
        APIFailure(
            code: 409,
            reason: "Conflict",
            message: "Operation cannot be fulfilled on \(type.qualifiedName) \"\(name)\": "
                + "the object has been modified; please apply your changes to the latest version "
                + "and try again",
            details: details(type, name: name)
        )
    }

    static func badRequest(_ message: String) -> APIFailure {
        APIFailure(code: 400, reason: "BadRequest", message: message)
    }

    static func invalid(_ type: ResourceType, name: String, _ message: String) -> APIFailure {
        APIFailure(
            code: 422,
            reason: "Invalid",
            message: "\(type.kind) \"\(name)\" is invalid: \(message)",
            details: details(type, name: name)
        )
    }

    static let unauthorized = APIFailure(code: 401, reason: "Unauthorized", message: "Unauthorized")

    static func pathNotFound(_ path: String) -> APIFailure {
        APIFailure(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }

    static func methodNotAllowed(_ method: String, _ path: String) -> APIFailure {
        APIFailure(
            code: 405,
            reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource"
        )
    }

    /// The error for `?watch=true`: this server serves lists but cannot stream watch events.
    static let watchNotSupported = APIFailure(
        code: 405,
        reason: "MethodNotAllowed",
        message: "watch is not supported by this test server; list without watch=true instead"
    )

    static func unsupportedMediaType(_ contentType: String) -> APIFailure {
        APIFailure(
            code: 415,
            reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types "
                + "include: application/json-patch+json, application/merge-patch+json, "
                + "application/strategic-merge-patch+json; got \(contentType)"
        )
    }
}
