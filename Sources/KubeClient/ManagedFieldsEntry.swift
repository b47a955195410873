/// One `metadata.managedFields` entry: which field manager last wrote which subresource.
public struct ManagedFieldsEntry: Sendable, Equatable, Decodable {
    /// Such as `headroom` or `kubectl`.
    public var manager: String?
    /// `Update` or `Apply`.
    public var operation: String?
    /// `scale`, `status`, or `nil` for the main resource.
    public var subresource: String?
    /// When the manager last wrote, as RFC 3339 text.
    public var time: String?
    /// Whether this entry owns `spec.replicas`.
    public var ownsReplicas: Bool { fieldsV1?.spec?.replicas != nil }

    struct Fields: Sendable, Equatable, Decodable {
        struct Spec: Sendable, Equatable, Decodable {
            var replicas: Empty?
            enum CodingKeys: String, CodingKey { case replicas = "f:replicas" }
        }
        struct Empty: Sendable, Equatable, Decodable {}
        var spec: Spec?
        enum CodingKeys: String, CodingKey { case spec = "f:spec" }
    }
    var fieldsV1: Fields?
}
