import Autoscaler
import FleetModel
import FleetTestbed
import Foundation
import KubeTestServer
import Testing

@testable import HeadroomCLI

/// The pods the testbed writes, read back through `KubeWorkloadScaler` as the engine receives them.
@Suite(.serialized) struct KubeWorkloadScalerTestbedTests {
    static let wallStart = Date(timeIntervalSince1970: 1_800_000_000)

    /// A testbed on the server's store with one warm pod, at 2 model seconds per wall second,
    /// whose new pods are scheduled 2 s after creation, listen 8 s later and turn Ready at the
    /// next 5 s readiness probe: at 2 + ⌈8 ÷ 5⌉ × 5 = 12 s.
    func testbed(on cluster: ScalerCluster) throws -> Testbed {
        var configuration = TestbedConfiguration()
        configuration.namespace = "shop"
        configuration.deployment = "api"
        configuration.replicas = 1
        configuration.compression = 2
        configuration.parameters.lifecycle.startup = .fixed(8)
        configuration.load = .steady(rate: 0, duration: 600)
        return try Testbed(
            configuration: configuration,
            store: cluster.server.store,
            metricsPort: 9999,
            wallStart: Self.wallStart,
            publication: Publication()
        )
    }

    @Test func scaledUpPodReadsPendingThenRunningThenReady() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        let testbed = try testbed(on: cluster)
        let target = ScalerCluster.target("api", needsPods: true)
        let initial = try #require(try await cluster.scaler.readWorkload(target).pods)
        _ = try cluster.server.store.patch(
            try #require(ResourceType.find(groupVersion: "apps/v1", name: "deployments")),
            namespace: "shop",
            name: "api",
            subresource: "scale",
            patch: ["spec": ["replicas": 2]],
            manager: "test"
        )

        // The scale lands at model time 0; after the tick that reaches second s the store shows
        // the pod as it is at s.
        var observed: [Int: PodState] = [:]
        var podCounts: Set<Int> = []
        while testbed.modelTime < 14 {
            try testbed.step(arrivals: 0)
            let pods = try #require(try await cluster.scaler.readWorkload(target).pods)
            podCounts.insert(pods.count)
            observed[Int(testbed.modelTime)] = pods.first { $0.name != initial.first?.name }
        }
        let info = try #require(
            try await cluster.client.pods(namespace: "shop", labelSelector: "app=api").first {
                $0.name != initial.first?.name
            }
        )

        #expect(initial.count == 1)
        #expect(initial.first?.isReady == true)
        #expect(podCounts == [2])
        let states = (1...14).map { second in observed[second].map { "\($0.phase.rawValue) \($0.isReady)" } ?? "none" }
        #expect(
            states == ["Pending false"] + Array(repeating: "Running false", count: 10)
                + Array(repeating: "Running true", count: 3)
        )
        // Model seconds map to wall time at half speed: created at 0, scheduled (startTime)
        // at 2 → +1 s, Ready at 12 → +6 s.
        #expect(observed.values.allSatisfy { $0.createdAt == Self.wallStart })
        #expect(observed.values.allSatisfy { !$0.isTerminating })
        #expect(observed.values.allSatisfy { $0.schedulingProblem == nil })
        #expect(observed[11]?.readySince == nil)
        #expect(observed[12]?.readySince == Self.wallStart.addingTimeInterval(6))
        #expect(info.creationTimestamp == Self.wallStart)
        #expect(info.startTime == Self.wallStart.addingTimeInterval(1))
        #expect(info.readySince == Self.wallStart.addingTimeInterval(6))
    }
}
