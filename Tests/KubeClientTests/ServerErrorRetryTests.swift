import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

/// Which 5xx responses the client retries. client-go's `checkWait` retries every 5xx that
/// carries `Retry-After`, so a 500 or 502 with the header is retried after its wait, and one
/// without the header fails at once. 503 is retried with or without the header.
@Suite struct ServerErrorRetryTests {
    static let target = ScaleTarget(kind: .statefulSet, namespace: "shop", name: "worker")
    static let scaleBody = """
        {"kind":"Scale","metadata":{"resourceVersion":"12"},"spec":{"replicas":4},"status":{"replicas":4}}
        """

    func client(
        _ http: FakeHTTPClient,
        clock: ManualKubeClock,
        retries: Int = 3,
        maxRetryWait: Duration? = nil
    ) -> KubeClient {
        KubeClient(
            configuration: KubeConfiguration(server: "https://127.0.0.1:6443"),
            http: http,
            clock: clock,
            maxThrottleRetries: retries,
            maxRetryAfter: .seconds(30),
            maxRetryWait: maxRetryWait
        )
    }

    static func failure(_ status: Int, retryAfter: String?) -> HTTPResponse {
        let headers = retryAfter.map { [HTTPHeader("Retry-After", $0)] } ?? []
        return FakeHTTPClient.json(
            status,
            #"{"kind":"Status","code":\#(status),"reason":"InternalError"}"#,
            headers: headers
        )
    }

    /// A 500 with `Retry-After: 2` waits exactly 2 s, then the second request gets the Scale.
    @Test(arguments: [500, 502, 504])
    func serverErrorWithRetryAfterIsRetried(status: Int) async throws {
        let http = FakeHTTPClient([Self.failure(status, retryAfter: "2"), FakeHTTPClient.json(200, Self.scaleBody)])
        let clock = ManualKubeClock(advancesOnSleep: true)

        let scale = try await client(http, clock: clock).scale(of: Self.target)

        #expect(scale.specReplicas == 4)
        #expect(http.requests.count == 2)
        #expect(clock.sleeps == [.seconds(2)])
    }

    /// Without the header a 500 is one request and an `api` error with the status, and the
    /// control loop's backoff schedules the next attempt.
    @Test func serverErrorWithoutRetryAfterFails() async throws {
        let http = FakeHTTPClient([Self.failure(500, retryAfter: nil), FakeHTTPClient.json(200, Self.scaleBody)])
        let clock = ManualKubeClock(advancesOnSleep: true)

        await #expect {
            try await client(http, clock: clock).scale(of: Self.target)
        } throws: { error in
            guard case KubeError.api(_, 500, let status) = error else { return false }
            return status?.reason == "InternalError"
        }
        #expect(http.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    /// With 2 retries allowed, three 502s in a row are three requests with two 1 s waits, then a
    /// `throttled` error that counts 3 attempts and points at the server's health, not at QPS.
    @Test func persistentServerErrorGivesUp() async throws {
        let http = FakeHTTPClient(Array(repeating: Self.failure(502, retryAfter: "1"), count: 3))
        let clock = ManualKubeClock(advancesOnSleep: true)

        let error = await #expect(throws: KubeError.self) {
            try await client(http, clock: clock, retries: 2).patchScale(
                of: Self.target,
                replicas: 6,
                resourceVersion: "12"
            )
        }

        guard case .throttled(_, let status, let attempts, _) = error else {
            Issue.record("expected throttled, got \(String(describing: error))")
            return
        }
        #expect(status == 502)
        #expect(attempts == 3)
        #expect(http.requests.count == 3)
        #expect(clock.sleeps == [.seconds(1), .seconds(1)])
        let description = error.map { "\($0)" } ?? ""
        #expect(description.contains("check the API server's health and load"))
        #expect(!description.contains("QPS"))
    }

    @Test(
        arguments: [
            (429, nil, true), (503, nil, true), (500, "3", true), (599, "0", true), (500, nil, false),
            (404, "3", false), (409, "3", false),
        ] as [(Int, String?, Bool)]
    )
    func retryableStatuses(status: Int, retryAfter: String?, expected: Bool) {
        #expect(KubeClient.isRetryable(Self.failure(status, retryAfter: retryAfter)) == expected)
    }

    /// With a 1 s budget, a 429 that requests 2 s is not retried: one request, no sleep, and
    /// the error carries the requested 2 s for the caller's schedule.
    @Test func waitOverBudgetIsNotMade() async throws {
        let http = FakeHTTPClient([
            FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", "2")]),
            FakeHTTPClient.json(200, Self.scaleBody),
        ])
        let clock = ManualKubeClock(advancesOnSleep: true)

        let error = await #expect(throws: KubeError.self) {
            try await client(http, clock: clock, maxRetryWait: .seconds(1)).scale(of: Self.target)
        }

        #expect(http.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
        #expect(error?.retryAfterSeconds == 2)
        guard case .throttled(_, 429, let attempts, _) = error else {
            Issue.record("expected throttled 429, got \(String(describing: error))")
            return
        }
        #expect(attempts == 1)
    }

    /// With a 1 s budget and 503s that request 1 s each, the first retry fits (1 s in all) and
    /// the second would make 2 s, so the call stops after 2 requests with the requested 1 s.
    @Test func budgetStopsRetriesPartWay() async throws {
        let http = FakeHTTPClient(Array(repeating: Self.failure(503, retryAfter: "1"), count: 4))
        let clock = ManualKubeClock(advancesOnSleep: true)

        let error = await #expect(throws: KubeError.self) {
            try await client(http, clock: clock, maxRetryWait: .seconds(1)).scale(of: Self.target)
        }

        #expect(http.requests.count == 2)
        #expect(clock.sleeps == [.seconds(1)])
        #expect(error?.retryAfterSeconds == 1)
    }

    /// The requested wait is stored rounded up to whole seconds, and a given Status keeps its
    /// other fields.
    @Test func requestedWaitRoundsUpAndIsCapped() {
        #expect(KubeClient.status(nil, retryAfter: .milliseconds(1500)).details?.retryAfterSeconds == 2)
        #expect(KubeClient.status(nil, retryAfter: .seconds(30)).details?.retryAfterSeconds == 30)
        let reason = KubeClient.status(KubeStatus(reason: "TooManyRequests"), retryAfter: .seconds(1))
        #expect(reason.reason == "TooManyRequests")
        #expect(reason.details?.retryAfterSeconds == 1)
    }

    /// Errors other than throttling carry no requested wait.
    @Test func otherErrorsRequestNoWait() {
        let target = Self.target.target(verb: "get")
        #expect(KubeError.notFound(target: target, status: nil).retryAfterSeconds == nil)
        #expect(KubeError.api(target: target, httpStatus: 500, status: nil).retryAfterSeconds == nil)
    }
}
