import FleetTestbed
import Foundation
import KubeTestServer
import TestSupport
import Testing

/// kubectl (the machine's 1.32 client) against the live testbed.
@Suite(.serialized) struct KubectlTestbedTests {
    /// Counts the pod rows of `kubectl get pods` by their READY and STATUS cells.
    func readiness(_ rows: [[String]]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in rows.dropFirst() where row.count > 2 {
            counts["\(row[1]) \(row[2])", default: 0] += 1
        }
        return counts
    }

    @Test func podsAndDeploymentFollowTheModel() throws {
        let live = try LiveTestbed.start(replicas: 2)
        defer { live.stop() }
        let fixture = live.fixture
        try fixture.scale(to: 4)

        // Time 1: two new pods Pending.
        try fixture.run(until: 1)
        let pending = try live.kubectl(["get", "pods"])
        #expect(pending.first == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
        #expect(readiness(pending) == ["0/1 Pending": 2, "1/1 Running": 2])
        let deployments = try live.kubectl(["get", "deployments"])
        #expect(deployments.first == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])
        #expect(Array(try #require(deployments.first { $0.first == "api" })[1...3]) == ["2/4", "4", "2"])

        // Time 3: both scheduled and starting; scaled to 3, one starting pod terminates.
        try fixture.run(until: 3)
        try fixture.scale(to: 3)
        try fixture.run(until: 4)
        let mixed = try live.kubectl(["get", "pods"])
        #expect(readiness(mixed) == ["1/1 Running": 2, "0/1 Running": 1, "0/1 Terminating": 1])

        // Time 12: the surviving new pod is Ready; the terminating one is still in its grace period.
        try fixture.run(until: 12)
        let ready = try live.kubectl(["get", "deployments"])
        #expect(Array(try #require(ready.first { $0.first == "api" })[1...3]) == ["3/3", "3", "3"])
        let replicaSets = try live.kubectl(["get", "replicasets"])
        #expect(replicaSets.first == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"])
        #expect(Array(try #require(replicaSets.dropFirst().first)[1...3]) == ["3", "3", "3"])
    }

    @Test func eventsWrittenThroughTheAPIAreListedByReason() async throws {
        let live = try LiveTestbed.start(replicas: 1)
        defer { live.stop() }
        try live.fixture.scale(to: 2)
        try live.fixture.run(until: 1)
        let event = """
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"api.rescale1","namespace":"shop"},
             "involvedObject":{"apiVersion":"apps/v1","kind":"Deployment","name":"api","namespace":"shop"},
             "reason":"SuccessfulRescale","message":"New size: 2; reason: p99 above target","type":"Normal",
             "source":{"component":"headroom"},"count":1,
             "firstTimestamp":"\(Timestamps.seconds(Date()))","lastTimestamp":"\(Timestamps.seconds(Date()))"}
            """

        let response = try await live.post("/api/v1/namespaces/shop/events", event)
        let rows = try live.kubectl(["get", "events"])

        #expect(response.status == 201)
        #expect(rows.first == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"])
        let reasons = rows.dropFirst().map { $0[2] }  // LAST SEEN is one cell in the rows.
        #expect(reasons.contains("SuccessfulRescale"))
        #expect(reasons.contains("ScalingReplicaSet"))
        let scaling = try #require(rows.first { $0.count > 3 && $0[2] == "ScalingReplicaSet" })
        #expect(scaling[3] == "deployment/api")
        #expect(scaling.suffix(4) == ["from", "1", "to", "2"])
    }
}
