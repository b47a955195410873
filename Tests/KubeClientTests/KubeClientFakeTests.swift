import Foundation
import HTTPTransport
import Synchronization
import Testing

@testable import KubeClient

@Suite struct KubeClientFakeTests {
    static let target = ScaleTarget(kind: .deployment, namespace: "shop", name: "api")
    static let scalePath = "https://127.0.0.1:6443/apis/apps/v1/namespaces/shop/deployments/api/scale"
    static let scaleBody = """
        {"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"api","namespace":"shop",\
        "resourceVersion":"48213","uid":"u-1"},"spec":{"replicas":3},"status":{"replicas":3,"selector":"app=api"}}
        """

    func client(_ http: FakeHTTPClient, clock: ManualKubeClock, retries: Int = 3) -> KubeClient {
        KubeClient(
            configuration: KubeConfiguration(server: "https://127.0.0.1:6443/"),
            http: http,
            clock: clock,
            maxThrottleRetries: retries,
            maxRetryAfter: .seconds(30)
        )
    }

    @Test func scaleDecoded() async throws {
        let http = FakeHTTPClient([FakeHTTPClient.json(200, Self.scaleBody)])
        let scale = try await client(http, clock: ManualKubeClock(advancesOnSleep: true)).scale(of: Self.target)

        #expect(
            scale
                == Scale(specReplicas: 3, statusReplicas: 3, selector: "app=api", resourceVersion: "48213", uid: "u-1")
        )
        #expect(http.requests.first?.url == Self.scalePath)
        #expect(http.requests.first?.method == .get)
    }

    @Test func missingSpecReplicasMeansZero() async throws {
        let body = #"{"kind":"Scale","metadata":{"resourceVersion":"7"},"spec":{},"status":{"replicas":0}}"#
        let http = FakeHTTPClient([FakeHTTPClient.json(200, body)])
        let scale = try await client(http, clock: ManualKubeClock(advancesOnSleep: true)).scale(of: Self.target)

        #expect(scale.specReplicas == 0)
        #expect(scale.statusReplicas == 0)
        #expect(scale.selector == "")
    }

    @Test func patchCarriesPreconditionAndFieldManager() async throws {
        let http = FakeHTTPClient([FakeHTTPClient.json(200, Self.scaleBody)])
        _ = try await client(http, clock: ManualKubeClock(advancesOnSleep: true))
            .patchScale(of: Self.target, replicas: 5, resourceVersion: "48213")

        let request = try #require(http.requests.first)
        #expect(request.method == .patch)
        #expect(request.url == Self.scalePath + "?fieldManager=headroom")
        #expect(request.headers.contains(HTTPHeader("Content-Type", "application/merge-patch+json")))
        let body = try JSONSerialization.jsonObject(with: try #require(request.body)) as? [String: Any]
        #expect((body?["metadata"] as? [String: Any])?["resourceVersion"] as? String == "48213")
        #expect((body?["spec"] as? [String: Any])?["replicas"] as? Int == 5)
        #expect(body?["status"] == nil)
    }

    @Test func conflictReturnedWithoutRetry() async throws {
        let http = FakeHTTPClient([
            FakeHTTPClient.json(409, String(decoding: try Fixture.data("status-conflict.json"), as: UTF8.self))
        ])
        let clock = ManualKubeClock(advancesOnSleep: true)

        await #expect {
            try await client(http, clock: clock).patchScale(of: Self.target, replicas: 5, resourceVersion: "1")
        } throws: { error in
            guard case KubeError.conflict(let target, let status) = error else { return false }
            return target.verb == "patch" && target.subresource == "scale" && status?.reason == "Conflict"
        }
        #expect(http.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func retryAfterHonoured() async throws {
        let http = FakeHTTPClient([
            FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", "2")]),
            FakeHTTPClient.json(200, Self.scaleBody),
        ])
        let clock = ManualKubeClock(advancesOnSleep: true)
        let scale = try await client(http, clock: clock).scale(of: Self.target)

        #expect(scale.specReplicas == 3)
        #expect(clock.sleeps == [.seconds(2)])
        #expect(http.requests.count == 2)
    }

    @Test func retryDelayFallsBackAndIsCapped() async throws {
        let tooMany = String(decoding: try Fixture.data("status-too-many-requests.json"), as: UTF8.self)
        let http = FakeHTTPClient([
            FakeHTTPClient.json(503, tooMany),
            FakeHTTPClient.json(503, "no status"),
            FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", "600")]),
            FakeHTTPClient.json(200, Self.scaleBody),
        ])
        let clock = ManualKubeClock(advancesOnSleep: true)
        _ = try await client(http, clock: clock).scale(of: Self.target)

        #expect(clock.sleeps == [.seconds(7), .seconds(1), .seconds(30)])
    }

    @Test func throttlingGivesUpAfterRetries() async throws {
        let http = FakeHTTPClient(Array(repeating: FakeHTTPClient.json(503, "{}"), count: 5))
        let clock = ManualKubeClock(advancesOnSleep: true)

        await #expect {
            try await client(http, clock: clock, retries: 2).scale(of: Self.target)
        } throws: { error in
            guard case KubeError.throttled(_, 503, let attempts, _) = error else { return false }
            return attempts == 3
        }
        #expect(http.requests.count == 3)
        #expect(clock.sleeps == [.seconds(1), .seconds(1)])
    }

    @Test func unauthorizedIsFinal() async throws {
        let http = FakeHTTPClient([FakeHTTPClient.json(401, #"{"kind":"Status","reason":"Unauthorized","code":401}"#)])

        await #expect {
            try await client(http, clock: ManualKubeClock(advancesOnSleep: true)).scale(of: Self.target)
        } throws: { error in
            guard case KubeError.unauthorized = error else { return false }
            return true
        }
        #expect(http.requests.count == 1)
    }

    @Test func podsDecoded() async throws {
        let body = """
            {"kind":"PodList","items":[
             {"metadata":{"name":"a",
               "ownerReferences":[{"kind":"ReplicaSet","name":"api-7d","uid":"r1","controller":true}]},
              "status":{"phase":"Running","startTime":"2026-12-04T10:00:00Z",
                "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-12-04T10:00:30Z"}]}},
             {"metadata":{"name":"b","deletionTimestamp":"2026-12-04T10:05:00Z"},
              "status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}]}}]}
            """
        let http = FakeHTTPClient([FakeHTTPClient.json(200, body)])
        let pods = try await client(http, clock: ManualKubeClock(advancesOnSleep: true))
            .pods(namespace: "shop", labelSelector: "app=api,tier in (web)")

        #expect(
            http.requests.first?.url
                == "https://127.0.0.1:6443/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi%2Ctier%20in%20%28web%29"
        )
        #expect(pods.map(\.name) == ["a", "b"])
        #expect(pods[0].isReady)
        #expect(pods[0].readySince == KubeTime.parse("2026-12-04T10:00:30Z"))
        #expect(pods[0].startTime == KubeTime.parse("2026-12-04T10:00:00Z"))
        #expect(pods[0].owners == [PodInfo.Owner(kind: "ReplicaSet", name: "api-7d", uid: "r1", isController: true)])
        #expect(!pods[1].isReady)
        #expect(pods[1].isTerminating)
        #expect(pods[1].readySince == nil)
    }
}

@Suite struct RequestRateLimiterTests {
    @Test func burstPassesWithoutWaiting() async {
        let clock = ManualKubeClock(advancesOnSleep: false)
        let limiter = RequestRateLimiter(qps: 1, burst: 3, clock: clock)

        for _ in 0..<3 { await limiter.acquire(.normal) }

        #expect(clock.sleeps.isEmpty)
        #expect(await limiter.waitingCount == 0)
    }

    @Test func scaleWritesGoBeforeEventWrites() async throws {
        let clock = ManualKubeClock(advancesOnSleep: false)
        let limiter = RequestRateLimiter(qps: 2, burst: 1, clock: clock)
        let order = PriorityRecorder()
        await limiter.acquire(.normal)

        let event = Task {
            await limiter.acquire(.low)
            order.append(.low)
        }
        #expect(await eventually { await limiter.waitingCount == 1 })
        let scale = Task {
            await limiter.acquire(.high)
            order.append(.high)
        }
        #expect(await eventually { await limiter.waitingCount == 2 })
        #expect(await eventually { clock.sleeperCount == 1 })

        clock.advance(by: .milliseconds(500))
        await scale.value
        #expect(order.all == [.high])
        #expect(await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .milliseconds(500))
        await event.value

        #expect(order.all == [.high, .low])
        #expect(clock.sleeps == [.milliseconds(500), .milliseconds(500)])
    }
}

/// Records the order in which waiting requests got their tokens.
final class PriorityRecorder: Sendable {
    private let entries = Mutex<[RequestPriority]>([])

    func append(_ priority: RequestPriority) {
        entries.withLock { $0.append(priority) }
    }

    var all: [RequestPriority] { entries.withLock { $0 } }
}
