import Foundation
import HTTPTransport
import Synchronization
import Testing

@testable import KubeClient
@testable import KubeTestServer

/// The test server under concurrent writers, odd admin requests and requests it does not serve,
/// compared with what a v1.32 API server does.
@Suite(.serialized) struct TestServerEdgeTests {
    static let api = ScaleTarget(kind: .deployment, namespace: "shop", name: "api")
    static let scalePath = "/apis/apps/v1/namespaces/shop/deployments/api/scale"

    /// Twenty patches that carry the same resourceVersion: exactly one wins, the others get
    /// 409 Conflict, and the stored value is the winner's.
    @Test func concurrentPatchesOneWins() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let client = try cluster.client()
        let read = try await client.scale(of: Self.api)

        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for replicas in 10..<30 {
                group.addTask {
                    do {
                        _ = try await client.patchScale(
                            of: Self.api,
                            replicas: replicas,
                            resourceVersion: read.resourceVersion
                        )
                        return (replicas, true)
                    } catch {
                        if case KubeError.conflict = error { return (replicas, false) }
                        Issue.record("patch to \(replicas) failed with \(error), expected a conflict")
                        return (replicas, false)
                    }
                }
            }
            var outcomes: [(Int, Bool)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }

        let winners = outcomes.filter { $0.1 }.map { $0.0 }
        #expect(winners.count == 1)
        let after = try await client.scale(of: Self.api)
        #expect(after.specReplicas == winners.first)
        let patches = cluster.audit(path: Self.scalePath).filter { $0.method == "PATCH" }
        #expect(patches.count == 20)
        #expect(patches.filter { $0.status == 409 }.count == 19)
    }

    /// A hold rule that matches two requests: one release must let both continue.
    @Test func holdMatchingTwoRequestsReleasesBoth() async throws {
        let faults = FaultInjector()
        faults.add(FaultRule(method: nil, path: "/held", count: 2, action: .hold(name: "h")))
        let finished = Counter()
        for _ in 0..<2 {
            guard case .hold(let name) = faults.take(method: "GET", path: "/held") else {
                Issue.record("the hold rule did not match")
                return
            }
            Task {
                await faults.wait(hold: name)
                finished.increment()
            }
        }
        #expect(await eventually { faults.holdState("h") == .holding })
        // Both tasks must be waiting before the release.
        try await Task.sleep(for: .milliseconds(200))

        faults.release(hold: "h")

        #expect(await eventually(within: .seconds(2)) { finished.value == 2 })
    }

    /// `stop()` waits for requests in flight. A request delayed by an injected fault, whose client
    /// already timed out, should not make it wait out the whole delay.
    @Test func stopNotBlockedByInjectedDelay() async throws {
        let cluster = try TestCluster.start()
        try cluster.seedDeployment("api", replicas: 3)
        let rule = #"{"path":"\#(Self.scalePath)","count":1,"action":{"delay":{"milliseconds":3000}}}"#
        _ = try await cluster.adminRequest(.post, "/faults", body: rule)
        let configuration = KubeConfiguration(
            server: cluster.server.apiURL,
            tls: TLSConfiguration(certificateAuthority: .file(cluster.certificatePath)),
            credentials: StaticBearerToken(TestCluster.adminToken)
        )
        let http = try CurlHTTPClient(
            configuration: configuration.transportConfiguration(totalTimeout: .milliseconds(300))
        )
        let client = KubeClient(configuration: configuration, http: http)
        await #expect(throws: KubeError.self) { _ = try await client.scale(of: Self.api) }

        let start = ContinuousClock.now
        cluster.stop()

        #expect(start.duration(to: .now) < .seconds(1))
    }

    @Test(arguments: [99, 1000])
    func faultWithInvalidStatusRejected(status: Int) async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let rule = #"{"path":"/api/*","count":1,"action":{"fail":{"status":\#(status),"reason":"X"}}}"#

        let response = try await cluster.adminRequest(.post, "/faults", body: rule)

        #expect(response.status == 400)
    }

    /// The API server streams watch events for `?watch=true`. This server cannot, so it must not
    /// return 200 with a list, because kubectl reads that as a broken event stream.
    @Test func watchRequestNotServedAsList() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)

        let response = try await cluster.apiRequest(.get, "/apis/apps/v1/namespaces/shop/deployments?watch=true")

        #expect(response.status != 200)
        #expect(KubeStatus.decode(response.body) != nil)
    }

    /// kubectl describe lists a Deployment's events with an `involvedObject.name` field selector.
    @Test func eventFieldSelectorFilters() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        for (name, object) in [("a.1", "api"), ("b.1", "db")] {
            try cluster.server.store.seed([
                "apiVersion": "v1", "kind": "Event",
                "metadata": ["name": .string(name), "namespace": "shop"],
                "involvedObject": ["kind": "Deployment", "name": .string(object), "namespace": "shop"],
                "reason": "Rescaled", "type": "Normal",
            ])
        }

        let response = try await cluster.apiRequest(
            .get,
            "/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dapi"
        )

        let list = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let items = list?["items"] as? [[String: Any]] ?? []
        let names = items.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        #expect(response.status == 200)
        #expect(names == ["a.1"])
    }

    /// The scale subresource serves get, patch and update only. DELETE on it gets 405 and
    /// leaves the Deployment in place.
    @Test func deleteOnScaleNotAllowed() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)

        let response = try await cluster.apiRequest(.delete, Self.scalePath)

        #expect(response.status == 405)
        #expect((try? cluster.stored(.deployments, "api")) != nil)
    }

    /// A JSON patch gets 415 here, so the message must not list json-patch as accepted.
    @Test func jsonPatchRejectionIsConsistent() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)

        let response = try await cluster.apiRequest(
            .patch,
            Self.scalePath,
            body: #"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
            contentType: "application/json-patch+json"
        )

        let status = KubeStatus.decode(response.body)
        if response.status == 415 {
            #expect(status?.message?.contains("include: application/json-patch+json") == false)
        } else {
            #expect(response.status == 200)
        }
    }
}

/// A count shared between tasks.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
