import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

/// `Retry-After` forms read against an injected wall clock, so the expected waits are exact.
@Suite struct RetryAfterTests {
    /// Thu, 14 Jan 2027 08:00:00 GMT.
    static let now = Date(timeIntervalSince1970: 1_799_913_600)

    func client() -> KubeClient {
        KubeClient(
            configuration: KubeConfiguration(server: "https://127.0.0.1:6443"),
            http: FakeHTTPClient([]),
            maxRetryAfter: .seconds(30),
            wallClock: { Self.now }
        )
    }

    static func response(retryAfter: String) -> HTTPResponse {
        FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", retryAfter)])
    }

    @Test(arguments: [
        ("Thu, 14 Jan 2027 08:00:20 GMT", Duration.seconds(20)),
        ("Thu, 14 Jan 2027 08:00:00 GMT", Duration.zero),
        ("Thu, 14 Jan 2027 07:59:00 GMT", Duration.zero),
        ("Thu, 14 Jan 2027 09:00:00 GMT", Duration.seconds(30)),
        ("7", Duration.seconds(7)),
        ("  12 ", Duration.seconds(12)),
        ("31", Duration.seconds(30)),
        ("-99999999999999999999", Duration.zero),
        ("9" + String(repeating: "9", count: 400), Duration.seconds(30)),
        ("soon", Duration.seconds(1)),
        ("1.5", Duration.seconds(1)),
    ])
    func retryAfterForms(header: String, expected: Duration) {
        let delay = client().retryDelay(Self.response(retryAfter: header), status: nil)

        #expect(delay == expected)
    }
}
