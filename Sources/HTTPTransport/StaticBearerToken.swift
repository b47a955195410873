/// A bearer token that never changes, such as one given on the command line.
public struct StaticBearerToken: CredentialProvider {
    private let token: String

    public init(_ token: String) {
        self.token = token
    }

    public func authorization() async throws -> String? {
        "Bearer \(token)"
    }

    /// Does nothing: a static token cannot be reloaded.
    public func invalidate() {}
}
