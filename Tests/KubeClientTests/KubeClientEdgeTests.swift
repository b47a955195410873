import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

/// Unusual responses: non-JSON error bodies, odd `Retry-After` values, the 403 message of every
/// call, and MicroTime forms.
@Suite struct KubeClientEdgeTests {
    static let target = ScaleTarget(kind: .deployment, namespace: "shop", name: "api")
    static let scaleBody = """
        {"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"api","namespace":"shop",\
        "resourceVersion":"7"},"spec":{"replicas":3},"status":{"replicas":3,"selector":"app=api"}}
        """

    func client(_ http: FakeHTTPClient, clock: ManualKubeClock) -> KubeClient {
        KubeClient(
            configuration: KubeConfiguration(server: "https://127.0.0.1:6443"),
            http: http,
            clock: clock,
            maxThrottleRetries: 3,
            maxRetryAfter: .seconds(30)
        )
    }

    static func html(_ status: Int) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [HTTPHeader("Content-Type", "text/html")],
            body: Data("<html><body><h1>502 Bad Gateway</h1></body></html>".utf8)
        )
    }

    @Test func proxyHTMLErrorHasNoStatus() async throws {
        let http = FakeHTTPClient([Self.html(502)])

        await #expect {
            try await client(http, clock: ManualKubeClock(advancesOnSleep: true)).scale(of: Self.target)
        } throws: { error in
            guard case KubeError.api(_, 502, let status) = error else { return false }
            return status == nil && "\(error)".contains("HTTP 502")
        }
        #expect(http.requests.count == 1)
    }

    @Test func proxyHTMLConflictStillConflict() async throws {
        let http = FakeHTTPClient([Self.html(409)])

        await #expect {
            try await client(http, clock: ManualKubeClock(advancesOnSleep: true)).scale(of: Self.target)
        } throws: { error in
            guard case KubeError.conflict(_, nil) = error else { return false }
            return true
        }
    }

    /// HTTP allows `Retry-After` to be an HTTP-date instead of seconds. A date 20 s ahead must
    /// wait about 20 s, not the 1 s fallback.
    @Test func retryAfterHTTPDateHonoured() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date().addingTimeInterval(20))
        let http = FakeHTTPClient([
            FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", date)]),
            FakeHTTPClient.json(200, Self.scaleBody),
        ])
        let clock = ManualKubeClock(advancesOnSleep: true)

        _ = try await client(http, clock: clock).scale(of: Self.target)

        let slept = try #require(clock.sleeps.first)
        #expect(slept >= .seconds(15))
        #expect(slept <= .seconds(20))
    }

    /// A value too large for `Int` is still a (huge) number of seconds, so the wait is capped
    /// at `maxRetryAfter` (30 s here).
    @Test func hugeRetryAfterCapped() async throws {
        let http = FakeHTTPClient([
            FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", "99999999999999999999")]),
            FakeHTTPClient.json(200, Self.scaleBody),
        ])
        let clock = ManualKubeClock(advancesOnSleep: true)

        _ = try await client(http, clock: clock).scale(of: Self.target)

        #expect(clock.sleeps == [.seconds(30)])
    }

    @Test func negativeRetryAfterWaitsZero() async throws {
        let http = FakeHTTPClient([
            FakeHTTPClient.json(503, "{}", headers: [HTTPHeader("Retry-After", "-5")]),
            FakeHTTPClient.json(200, Self.scaleBody),
        ])
        let clock = ManualKubeClock(advancesOnSleep: true)

        _ = try await client(http, clock: clock).scale(of: Self.target)

        #expect(clock.sleeps == [.zero])
        #expect(http.requests.count == 2)
    }

    @Test func tooManyRequestsStormBounded() async throws {
        let http = FakeHTTPClient(
            Array(repeating: FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", "0")]), count: 50)
        )
        let clock = ManualKubeClock(advancesOnSleep: true)

        await #expect(throws: KubeError.self) {
            try await client(http, clock: clock).scale(of: Self.target)
        }
        // One first attempt and maxThrottleRetries (3) retries.
        #expect(http.requests.count == 4)
    }

    /// The expected verb, resource and API group of each call, written from the RBAC rules a
    /// Role needs for it.
    static let forbiddenCases: [(call: String, verb: String, resource: String, group: String)] = [
        ("scale", "get", "deployments/scale", "apps"),
        ("patchScale", "patch", "deployments/scale", "apps"),
        ("statefulSetScale", "get", "statefulsets/scale", "apps"),
        ("workloadStatus", "get", "deployments", "apps"),
        ("pods", "list", "pods", ""),
        ("createEvent", "create", "events", ""),
        ("patchEventCount", "patch", "events", ""),
        ("lease", "get", "leases", "coordination.k8s.io"),
        ("createLease", "create", "leases", "coordination.k8s.io"),
        ("updateLease", "update", "leases", "coordination.k8s.io"),
    ]

    @Test(arguments: forbiddenCases)
    func forbiddenMessagePerCall(call: String, verb: String, resource: String, group: String) async throws {
        let http = FakeHTTPClient([
            FakeHTTPClient.json(403, #"{"kind":"Status","status":"Failure","reason":"Forbidden","code":403}"#)
        ])
        let client = client(http, clock: ManualKubeClock(advancesOnSleep: true))
        let lease = Lease(name: "headroom", namespace: "shop", resourceVersion: "3", holderIdentity: "me")
        let event = KubeEvent(regarding: ObjectReference(Self.target), reason: "Rescaled", message: "m")
        let recorded = RecordedEvent(name: "api.1", namespace: "shop", count: 1, resourceVersion: "4")
        let now = Date(timeIntervalSince1970: 1_800_000_000)

        let error: KubeError
        do {
            switch call {
            case "scale": _ = try await client.scale(of: Self.target)
            case "patchScale": _ = try await client.patchScale(of: Self.target, replicas: 4, resourceVersion: "7")
            case "statefulSetScale":
                _ = try await client.scale(of: ScaleTarget(kind: .statefulSet, namespace: "shop", name: "db"))
            case "workloadStatus": _ = try await client.workloadStatus(of: Self.target)
            case "pods": _ = try await client.pods(namespace: "shop", labelSelector: "app=api")
            case "createEvent": _ = try await client.createEvent(event, now: now)
            case "patchEventCount": _ = try await client.patchEventCount(recorded, count: 2, now: now)
            case "lease": _ = try await client.lease(namespace: "shop", name: "headroom")
            case "createLease": _ = try await client.createLease(lease)
            default: _ = try await client.updateLease(lease)
            }
            Issue.record("\(call) did not throw")
            return
        } catch let caught {
            error = caught
        }

        guard case .forbidden = error else {
            Issue.record("\(call) threw \(error), expected forbidden")
            return
        }
        let text = error.description
        #expect(text.contains("RBAC denies \"\(verb)\" on \"\(resource)\" in namespace \"shop\""))
        #expect(text.contains("apiGroups: [\"\(group)\"]"))
        #expect(text.contains("resources: [\"\(resource)\"]"))
        #expect(text.contains("verbs: [\"\(verb)\"]"))
    }

    /// Two different Events about one object in the same control cycle share its `now`. They
    /// need different names, or the second create gets 409 AlreadyExists.
    @Test func sameInstantEventsGetDistinctNames() async throws {
        let created = #"{"kind":"Event","apiVersion":"v1","metadata":{"name":"x","namespace":"shop"},"count":1}"#
        let http = FakeHTTPClient([FakeHTTPClient.json(201, created), FakeHTTPClient.json(201, created)])
        let client = client(http, clock: ManualKubeClock(advancesOnSleep: true))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let regarding = ObjectReference(Self.target)

        _ = try await client.createEvent(KubeEvent(regarding: regarding, reason: "Rescaled", message: "a"), now: now)
        _ = try await client.createEvent(
            KubeEvent(regarding: regarding, reason: "FailedGetMetric", message: "b", type: .warning),
            now: now
        )

        let names = http.requests.compactMap { request -> String? in
            guard let body = request.body,
                let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            else { return nil }
            return (object["metadata"] as? [String: Any])?["name"] as? String
        }
        #expect(names.count == 2)
        #expect(Set(names).count == 2)
    }

    /// Valid RFC 3339 MicroTime forms, with the instant computed by hand.
    @Test(arguments: [
        ("2026-12-04T10:05:42.123456Z", 1_796_378_742.123456),
        ("2026-12-04T12:05:42.123456+02:00", 1_796_378_742.123456),
        ("2026-12-04T05:35:42.000001-04:30", 1_796_378_742.000001),
        ("2026-12-04T10:05:42.999999Z", 1_796_378_742.999999),
    ])
    func microTimeForms(text: String, seconds: Double) throws {
        let date = try #require(KubeTime.parseMicro(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }
}
