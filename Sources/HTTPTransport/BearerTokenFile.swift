import Foundation
import Synchronization

/// A bearer token read from a file that may be rotated, such as a projected service-account
/// token.
///
/// The file is read on first use, again once `refreshInterval` has passed since the last
/// read, and on the next request after `invalidate()` (the client calls it after a 401).
/// Surrounding whitespace is trimmed. `now` is injected so tests can move time by hand.
public final class BearerTokenFile: CredentialProvider {
    public let path: String
    public let refreshInterval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let cache = Mutex<(token: String, readAt: ContinuousClock.Instant)?>(nil)

    /// Creates a provider for the token in `path`. Nothing is read before the first request.
    public init(
        path: String,
        refreshInterval: Duration = .seconds(60),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.path = path
        self.refreshInterval = refreshInterval
        self.now = now
    }

    public func authorization() async throws -> String? {
        let current = now()
        if let cached = cache.withLock({ $0 }), cached.readAt.duration(to: current) < refreshInterval {
            return "Bearer \(cached.token)"
        }

        let token = try readToken()
        cache.withLock { $0 = (token, current) }
        return "Bearer \(token)"
    }

    public func invalidate() {
        cache.withLock { $0 = nil }
    }

    private func readToken() throws(TransportError) -> String {
        let contents: String
        do {
            contents = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .credentials(
                reason: "cannot read the bearer token file \(path): \(error.localizedDescription)"
            )
        }
        let token = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw .credentials(reason: "the bearer token file \(path) is empty")
        }
        guard !token.contains(where: { $0.isNewline }) else {
            throw .credentials(reason: "the bearer token file \(path) contains more than one line")
        }
        return token
    }
}
