import Foundation

/// A Kubernetes `Status` object, the body of API error responses. Every field is optional on
/// the wire, so missing ones decode as `nil`.
public struct KubeStatus: Sendable, Equatable, Decodable {
    /// One cause of a failure, such as an invalid field.
    public struct Cause: Sendable, Equatable, Decodable {
        public var reason: String?
        public var message: String?
        public var field: String?
    }

    /// The object the failure concerns. `kind` contains the resource, such as `deployments`.
    public struct Details: Sendable, Equatable, Decodable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var causes: [Cause]?
        public var retryAfterSeconds: Int?

        public init(
            name: String? = nil,
            group: String? = nil,
            kind: String? = nil,
            uid: String? = nil,
            causes: [Cause]? = nil,
            retryAfterSeconds: Int? = nil
        ) {
            self.name = name
            self.group = group
            self.kind = kind
            self.uid = uid
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// `Success` or `Failure`.
    public var status: String?
    public var message: String?
    /// A machine-readable reason such as `Conflict`, `AlreadyExists` or `Forbidden`.
    public var reason: String?
    public var code: Int?
    public var details: Details?

    public init(
        status: String? = nil,
        message: String? = nil,
        reason: String? = nil,
        code: Int? = nil,
        details: Details? = nil
    ) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
        self.details = details
    }

    /// Decodes `body` when it is a JSON object with `"kind": "Status"`, else returns `nil`.
    public static func decode(_ body: Data) -> KubeStatus? {
        struct Kind: Decodable { var kind: String? }
        guard let kind = try? JSONDecoder().decode(Kind.self, from: body), kind.kind == "Status" else {
            return nil
        }
        return try? JSONDecoder().decode(KubeStatus.self, from: body)
    }
}
