import Foundation

/// HTTP basic authentication with a fixed user name and password.
public struct BasicAuth: CredentialProvider {
    private let headerValue: String

    public init(username: String, password: String) {
        headerValue = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    public func authorization() async throws -> String? {
        headerValue
    }

    /// Does nothing: fixed credentials cannot be reloaded.
    public func invalidate() {}
}
