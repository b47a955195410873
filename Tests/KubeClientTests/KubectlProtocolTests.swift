import Foundation
import KubeTestServer
import TestSupport
import Testing

@testable import KubeClient

/// kubectl commands that use namespaces, JSON patches and field selectors against the test
/// server, with the output a v1.32 cluster gives.
@Suite(.serialized) struct KubectlProtocolTests {
    typealias Kubectl = KubectlTests.Kubectl

    @Test func missingDeploymentNamedInError() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 1)

        let result = try Kubectl(cluster).run(["get", "deployment", "nope"])

        #expect(result.status != 0)
        #expect(result.stderr.contains(#"deployments.apps "nope" not found"#))
    }

    @Test func namespacesListed() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 1)

        let rows = try Kubectl(cluster).table(["get", "namespaces"])

        #expect(rows.first == ["NAME", "STATUS", "AGE"])
        #expect(rows.dropFirst().map { Array($0.prefix(2)) } == [["default", "Active"], ["shop", "Active"]])
    }

    @Test func jsonPatchScales() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)

        let result = try Kubectl(cluster).run([
            "patch", "deployment", "api", "--type=json",
            "-p", #"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
        ])

        #expect(result.status == 0, "kubectl patch failed: \(result.stderr)")
        #expect(try cluster.stored(.deployments, "api")[path: ["spec", "replicas"]] == .int(4))
    }

    @Test func eventsFilteredByObject() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        for (name, object) in [("api.1", "api"), ("db.1", "db")] {
            try cluster.server.store.seed([
                "apiVersion": "v1", "kind": "Event",
                "metadata": ["name": .string(name), "namespace": "shop"],
                "involvedObject": ["kind": "Deployment", "name": .string(object), "namespace": "shop"],
                "reason": "Rescaled", "message": .string("about \(object)"), "type": "Normal",
            ])
        }

        let result = try Kubectl(cluster).run([
            "get", "events", "--field-selector", "involvedObject.name=api", "-o", "name",
        ])

        #expect(result.status == 0, "kubectl get events failed: \(result.stderr)")
        #expect(result.stdout.split(separator: "\n") == ["event/api.1"])
    }
}
