import Foundation
import HTTPTransport
import Synchronization
import TestSupport
import Testing

/// A clock reading that tests move by hand.
final class ManualInstant: Sendable {
    private let origin = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }

    func now() -> ContinuousClock.Instant {
        origin + offset.withLock { $0 }
    }
}

struct CredentialProviderTests {
    @Test func tokenFileIsRereadAfterRefreshInterval() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("token", "first\n")
        let clock = ManualInstant()
        let provider = BearerTokenFile(path: path, now: { clock.now() })

        #expect(try await provider.authorization() == "Bearer first")
        try directory.write("token", "second")
        clock.advance(by: .seconds(59))
        #expect(try await provider.authorization() == "Bearer first")
        clock.advance(by: .seconds(1))
        #expect(try await provider.authorization() == "Bearer second")
    }

    @Test func tokenFileIsRereadAfterInvalidate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("token", "first")
        let provider = BearerTokenFile(path: path, now: { ManualInstant().now() })

        #expect(try await provider.authorization() == "Bearer first")
        try directory.write("token", "second")
        provider.invalidate()
        #expect(try await provider.authorization() == "Bearer second")
    }

    @Test func missingTokenFileIsCredentialsError() async throws {
        let provider = BearerTokenFile(path: "/nonexistent/headroom/token")

        let error = await #expect(throws: TransportError.self) { try await provider.authorization() }

        guard case .credentials(let reason) = error else {
            Issue.record("expected credentials error, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("/nonexistent/headroom/token"))
    }

    @Test func emptyTokenFileIsCredentialsError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("token", " \n")

        await #expect(throws: TransportError.credentials(reason: "the bearer token file \(path) is empty")) {
            try await BearerTokenFile(path: path).authorization()
        }
    }

    @Test func basicAuthEncodesUserAndPassword() async throws {
        // base64("user:pass") worked out by hand: "dXNl" "cjpw" "YXNz".
        #expect(try await BasicAuth(username: "user", password: "pass").authorization() == "Basic dXNlcjpwYXNz")
    }

    @Test func staticTokenIsBearer() async throws {
        #expect(try await StaticBearerToken("abc").authorization() == "Bearer abc")
    }
}
