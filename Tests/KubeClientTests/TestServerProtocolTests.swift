import Foundation
import HTTPTransport
import Testing

@testable import KubeClient
@testable import KubeTestServer

/// The test server's field selectors, JSON patches, namespaces, fault rule checks and audit
/// order, compared with what a v1.32 API server does.
@Suite(.serialized) struct TestServerProtocolTests {
    static let deployments = "/apis/apps/v1/namespaces/shop/deployments"
    static let scalePath = deployments + "/api/scale"

    static func names(_ response: HTTPResponse) throws -> [String] {
        let list = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let items = list?["items"] as? [[String: Any]] ?? []
        return items.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
    }

    static func seedEvents(_ cluster: TestCluster) throws {
        let events: [(name: String, object: String, type: String, reason: String)] = [
            ("a.1", "api", "Normal", "Rescaled"), ("a.2", "api", "Warning", "FailedGetMetric"),
            ("b.1", "db", "Normal", "Rescaled"),
        ]
        for event in events {
            try cluster.server.store.seed([
                "apiVersion": "v1", "kind": "Event",
                "metadata": ["name": .string(event.name), "namespace": "shop"],
                "involvedObject": ["kind": "Deployment", "name": .string(event.object), "namespace": "shop"],
                "reason": .string(event.reason), "type": .string(event.type),
                "source": ["component": "headroom"],
            ])
        }
    }

    @Test(arguments: [
        ("involvedObject.name=api,type=Warning", ["a.2"]),
        ("involvedObject.name==api", ["a.1", "a.2"]),
        ("reason!=Rescaled", ["a.2"]),
        ("involvedObject.kind=Deployment,involvedObject.name!=api", ["b.1"]),
        ("source=headroom,metadata.name=b.1", ["b.1"]),
        ("involvedObject.uid=", ["a.1", "a.2", "b.1"]),
    ])
    func eventFieldSelectors(selector: String, expected: [String]) async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try Self.seedEvents(cluster)
        let query = selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? selector

        let response = try await cluster.apiRequest(.get, "/api/v1/namespaces/shop/events?fieldSelector=\(query)")

        #expect(response.status == 200)
        #expect(try Self.names(response) == expected)
    }

    @Test func unsupportedFieldRejected() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 1)

        let response = try await cluster.apiRequest(.get, Self.deployments + "?fieldSelector=spec.replicas%3D1")

        let status = KubeStatus.decode(response.body)
        #expect(response.status == 400)
        #expect(status?.reason == "BadRequest")
        #expect(status?.message == "field label not supported: spec.replicas")
    }

    @Test func metadataNameSelectsDeployment() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 1)
        try cluster.seedDeployment("db", replicas: 1)

        let response = try await cluster.apiRequest(.get, Self.deployments + "?fieldSelector=metadata.name%3Ddb")

        #expect(try Self.names(response) == ["db"])
    }

    @Test(arguments: ["false", "0"])
    func watchFalseServedAsList(value: String) async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 1)

        let response = try await cluster.apiRequest(.get, Self.deployments + "?watch=\(value)")

        #expect(response.status == 200)
        #expect(try Self.names(response) == ["api"])
    }

    @Test func watchGetsMethodNotAllowed() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }

        let response = try await cluster.apiRequest(.get, Self.deployments + "?watch=1")

        let status = KubeStatus.decode(response.body)
        #expect(response.status == 405)
        #expect(status?.message?.contains("watch is not supported") == true)
    }

    @Test func jsonPatchScalesDeployment() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)

        let response = try await cluster.apiRequest(
            .patch,
            Self.scalePath,
            body:
                #"[{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":4}]"#,
            contentType: "application/json-patch+json"
        )

        #expect(response.status == 200)
        #expect(try cluster.stored(.deployments, "api")[path: ["spec", "replicas"]] == .int(4))
    }

    @Test func failedTestOperationChangesNothing() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let seeded = try cluster.seedDeployment("api", replicas: 3)

        let response = try await cluster.apiRequest(
            .patch,
            Self.deployments + "/api",
            body:
                #"[{"op":"add","path":"/metadata/labels/tier","value":"web"},{"op":"test","path":"/spec/replicas","value":9}]"#,
            contentType: "application/json-patch+json"
        )

        #expect(response.status == 422)
        #expect(KubeStatus.decode(response.body)?.message?.contains("operation 1") == true)
        #expect(try cluster.stored(.deployments, "api") == seeded)
    }

    @Test func jsonPatchEditsLabels() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)

        let response = try await cluster.apiRequest(
            .patch,
            Self.deployments + "/api",
            body: #"""
                [{"op":"add","path":"/metadata/labels/tier","value":"web"},
                 {"op":"copy","from":"/metadata/labels/tier","path":"/metadata/labels/role"},
                 {"op":"remove","path":"/metadata/labels/app"}]
                """#,
            contentType: "application/json-patch+json"
        )

        #expect(response.status == 200)
        let labels = try cluster.stored(.deployments, "api")[path: ["metadata", "labels"]]
        #expect(labels == ["tier": "web", "role": "web"])
    }

    /// A resourceVersion the JSON patch sets is a precondition, as in a merge patch.
    @Test func staleVersionInJSONPatchConflicts() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)

        let response = try await cluster.apiRequest(
            .patch,
            Self.deployments + "/api",
            body: #"[{"op":"replace","path":"/metadata/resourceVersion","value":"1"}]"#,
            contentType: "application/json-patch+json"
        )

        #expect(response.status == 409)
        #expect(KubeStatus.decode(response.body)?.reason == "Conflict")
    }

    @Test func namespaceOfStoredObjectExists() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 1)

        let shop = try await cluster.apiRequest(.get, "/api/v1/namespaces/shop")
        let missing = try await cluster.apiRequest(.get, "/api/v1/namespaces/nope")
        let list = try await cluster.apiRequest(.get, "/api/v1/namespaces")

        let object = try JSONSerialization.jsonObject(with: shop.body) as? [String: Any]
        #expect(shop.status == 200)
        #expect(object?["kind"] as? String == "Namespace")
        #expect((object?["status"] as? [String: Any])?["phase"] as? String == "Active")
        #expect(missing.status == 404)
        #expect(KubeStatus.decode(missing.body)?.message == #"namespaces "nope" not found"#)
        #expect(try Self.names(list) == ["default", "shop"])
    }

    @Test func namespacesAreReadOnly() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }

        let response = try await cluster.apiRequest(.delete, "/api/v1/namespaces/default")

        #expect(response.status == 405)
    }

    @Test(arguments: [
        #"{"path":"/api/*","count":0,"action":{"fail":{"status":500,"reason":"X"}}}"#,
        #"{"path":"/api/*","count":1,"action":{"delay":{"milliseconds":60001}}}"#,
        #"{"path":"/api/*","count":1,"action":{"delay":{"milliseconds":-1}}}"#,
        #"{"path":"/api/*","count":1,"action":{"fail":{"status":429,"reason":"X","retryAfterSeconds":-1}}}"#,
        #"{"path":"/api/*","count":1,"action":{"hold":{"name":""}}}"#,
    ])
    func invalidFaultRuleRejected(rule: String) async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }

        let response = try await cluster.adminRequest(.post, "/faults", body: rule)

        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("invalid fault rule: "))
    }

    @Test func validFaultRuleAccepted() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let rule = #"{"path":"/api/*","count":2,"action":{"fail":{"status":599,"reason":"X"}}}"#

        let response = try await cluster.adminRequest(.post, "/faults", body: rule)

        #expect(response.status == 201)
    }

    /// `reset()` ends an injected delay at once instead of letting it run out.
    @Test func resetEndsDelay() async throws {
        let faults = FaultInjector()
        let finished = Counter()
        let start = ContinuousClock.now
        Task {
            await faults.delay(milliseconds: 60_000)
            finished.increment()
        }
        #expect(await eventually { faults.waiterCount == 1 })

        faults.reset()

        #expect(await eventually(within: .seconds(2)) { finished.value == 1 })
        #expect(start.duration(to: .now) < .seconds(5))
    }

    /// A held request recorded after a later one still comes first in the audit log.
    @Test func auditKeepsArrivalOrder() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 1)
        let rule = #"{"method":"GET","path":"\#(Self.deployments)/api","count":1,"action":{"hold":{"name":"first"}}}"#
        _ = try await cluster.adminRequest(.post, "/faults", body: rule)

        let held = Task { try await cluster.apiRequest(.get, Self.deployments + "/api") }
        #expect(await eventually { cluster.server.faults.holdState("first") == .holding })
        _ = try await cluster.apiRequest(.get, Self.deployments)
        _ = try await cluster.adminRequest(.post, "/holds/first/release")
        _ = try await held.value

        let paths = cluster.server.audit.all.map(\.path)
        let sequences = cluster.server.audit.all.map(\.sequence)
        #expect(paths == [Self.deployments + "/api", Self.deployments])
        #expect(sequences == sequences.sorted())
    }

    /// A body over the server's 16 MiB limit gets 413 before the router and is still audited.
    @Test func tooLargeBodyAudited() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let body = String(repeating: "x", count: (16 << 20) + 1)

        let response = try await cluster.apiRequest(
            .post,
            Self.deployments,
            body: body,
            contentType: "application/json"
        )

        let entries = cluster.server.audit.all
        #expect(response.status == 413)
        #expect(entries.count == 1)
        #expect(entries.first?.status == 413)
        #expect(entries.first?.verb == "create")
        #expect(entries.first?.identity == "admin")
    }
}
