import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

/// Event names: client-go's `<object>.<hex nanoseconds>` form, unique within the process, and
/// one retry when the server already has the name.
@Suite struct EventNameTests {
    static let target = ScaleTarget(kind: .deployment, namespace: "shop", name: "api")
    static let created = #"{"kind":"Event","apiVersion":"v1","metadata":{"name":"x","namespace":"shop"},"count":1}"#

    func client(_ http: FakeHTTPClient) -> KubeClient {
        KubeClient(
            configuration: KubeConfiguration(server: "https://127.0.0.1:6443"),
            http: http,
            clock: ManualKubeClock(advancesOnSleep: true)
        )
    }

    static func sentNames(_ http: FakeHTTPClient) -> [String] {
        http.requests.compactMap { request -> String? in
            guard let body = request.body,
                let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            else { return nil }
            return (object["metadata"] as? [String: Any])?["name"] as? String
        }
    }

    /// The first name for an instant is the exact client-go name; a second name for the same
    /// object and instant counts the nanoseconds up by one.
    @Test func sameInstantCountsUp() {
        // 1_800_000_000.25 s is exactly representable, so the nanoseconds are exact.
        let now = Date(timeIntervalSince1970: 1_800_000_000.25)
        let nanoseconds: UInt64 = 1_800_000_000_250_000_000
        let object = "same-instant-\(UUID().uuidString.prefix(8))"

        let first = EventNames.next(for: object, now: now)
        let second = EventNames.next(for: object, now: now)

        #expect(first == "\(object).\(String(nanoseconds, radix: 16))")
        #expect(second == "\(object).\(String(nanoseconds + 1, radix: 16))")
    }

    @Test func otherObjectKeepsExactName() {
        let now = Date(timeIntervalSince1970: 1_800_000_000.5)
        let nanoseconds: UInt64 = 1_800_000_000_500_000_000
        let suffix = UUID().uuidString.prefix(8)

        _ = EventNames.next(for: "a-\(suffix)", now: now)
        let other = EventNames.next(for: "b-\(suffix)", now: now)

        #expect(other == "b-\(suffix).\(String(nanoseconds, radix: 16))")
    }

    @Test(arguments: [Double.nan, -Double.infinity, -5, 1e300])
    func oddTimesStillNamed(seconds: Double) {
        let name = EventNames.next(for: "odd", now: Date(timeIntervalSince1970: seconds))

        #expect(name.hasPrefix("odd."))
        #expect(UInt64(name.dropFirst(4), radix: 16) != nil)
    }

    @Test func alreadyExistsRetriedWithNewName() async throws {
        let exists = #"{"kind":"Status","status":"Failure","reason":"AlreadyExists","code":409}"#
        let http = FakeHTTPClient([FakeHTTPClient.json(409, exists), FakeHTTPClient.json(201, Self.created)])
        let event = KubeEvent(regarding: ObjectReference(Self.target), reason: "Rescaled", message: "m")

        let recorded = try await client(http).createEvent(event, now: Date(timeIntervalSince1970: 1_800_000_100))

        let names = Self.sentNames(http)
        #expect(recorded.name == "x")
        #expect(names.count == 2)
        #expect(Set(names).count == 2)
    }

    @Test func secondAlreadyExistsThrown() async throws {
        let exists = #"{"kind":"Status","status":"Failure","reason":"AlreadyExists","code":409}"#
        let http = FakeHTTPClient([FakeHTTPClient.json(409, exists), FakeHTTPClient.json(409, exists)])
        let event = KubeEvent(regarding: ObjectReference(Self.target), reason: "Rescaled", message: "m")

        await #expect {
            _ = try await client(http).createEvent(event, now: Date(timeIntervalSince1970: 1_800_000_200))
        } throws: { error in
            guard case KubeError.alreadyExists = error else { return false }
            return true
        }
        #expect(http.requests.count == 2)
    }

    /// An empty selector would list every pod, so it throws before any request.
    @Test(arguments: ["", "  "])
    func emptyPodSelectorThrows(selector: String) async throws {
        let http = FakeHTTPClient([])

        await #expect {
            _ = try await client(http).pods(namespace: "shop", labelSelector: selector)
        } throws: { error in
            guard case KubeError.invalidResponse(_, let message) = error else { return false }
            return message.contains("label selector is empty")
        }
        #expect(http.requests.isEmpty)
    }
}
