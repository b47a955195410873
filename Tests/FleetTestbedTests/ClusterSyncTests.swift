import FleetModel
import FleetTestbed
import Foundation
import KubeTestServer
import Testing

@Suite struct ClusterSyncTests {
    @Test func initialPodsAreReadyAndOwnedByTheReplicaSet() throws {
        let fixture = try TestbedFixture(replicas: 2)

        let pods = fixture.pods()
        let deployment = try fixture.deployment()

        #expect(pods.count == 2)
        for pod in pods {
            let name = try #require(pod[path: ["metadata", "name"]]?.stringValue)
            let hash = try #require(pod[path: ["metadata", "labels", "pod-template-hash"]]?.stringValue)
            #expect(name.hasPrefix("api-\(hash)-"))
            #expect(pod[path: ["metadata", "labels", "app"]] == "api")
            #expect(pod[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["name"] == .string("api-\(hash)"))
            #expect(pod[path: ["status", "phase"]] == "Running")
            #expect(condition(pod, "Ready")?["status"] == "True")
            #expect(pod[path: ["status", "containerStatuses"]]?.arrayValue?.first?["ready"] == .bool(true))
            #expect(pod[path: ["spec", "nodeName"]]?.stringValue?.hasPrefix("testbed-node-") == true)
        }
        #expect(deployment[path: ["status", "readyReplicas"]] == 2)
        #expect(deployment[path: ["status", "availableReplicas"]] == 2)
        #expect(condition(deployment, "Available")?["status"] == "True")
    }

    @Test func scaledUpPodGoesPendingThenRunningThenReady() throws {
        let fixture = try TestbedFixture(replicas: 1)
        let initial = Set(fixture.pods().compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        try fixture.scale(to: 2)

        // Scaled at model time 0: scheduled at 2, listening at 10, Ready at 12. A snapshot shows
        // the pod as it is at the end of the tick, so the tick that reaches 2 shows it scheduled.
        try fixture.run(until: 1)
        let new = try #require(
            fixture.pods().compactMap { $0[path: ["metadata", "name"]]?.stringValue }.first { !initial.contains($0) }
        )
        let pending = try #require(fixture.pod(new))
        #expect(pending[path: ["status", "phase"]] == "Pending")
        #expect(pending[path: ["spec", "nodeName"]] == nil)
        #expect(pending[path: ["metadata", "creationTimestamp"]] == .string(fixture.timestamp(0)))

        try fixture.run(until: 2)
        let starting = try #require(fixture.pod(new))
        #expect(starting[path: ["status", "phase"]] == "Running")
        #expect(starting[path: ["spec", "nodeName"]] != nil)
        #expect(starting[path: ["status", "startTime"]] == .string(fixture.timestamp(2)))
        #expect(condition(starting, "PodScheduled")?["status"] == "True")
        #expect(condition(starting, "Ready")?["status"] == "False")
        #expect(starting[path: ["status", "containerStatuses"]]?.arrayValue?.first?["started"] == .bool(false))

        try fixture.run(until: 11)
        let listening = try #require(fixture.pod(new))
        #expect(condition(listening, "Ready")?["status"] == "False")
        #expect(listening[path: ["status", "containerStatuses"]]?.arrayValue?.first?["started"] == .bool(true))

        try fixture.run(until: 12)
        let ready = try #require(fixture.pod(new))
        #expect(condition(ready, "Ready")?["status"] == "True")
        #expect(condition(ready, "Ready")?["lastTransitionTime"] == .string(fixture.timestamp(12)))
        #expect(condition(ready, "ContainersReady")?["status"] == "True")
    }

    @Test func deploymentStatusCountsFollowThePods() throws {
        let fixture = try TestbedFixture(replicas: 1)
        try fixture.scale(to: 3)

        try fixture.run(until: 3)
        let starting = try fixture.deployment()
        // 3 pods, 1 Ready; maxUnavailable 25 % of 3 rounds down to 0, so not Available.
        #expect(starting[path: ["status", "replicas"]] == 3)
        #expect(starting[path: ["status", "updatedReplicas"]] == 3)
        #expect(starting[path: ["status", "readyReplicas"]] == 1)
        #expect(starting[path: ["status", "availableReplicas"]] == 1)
        #expect(starting[path: ["status", "unavailableReplicas"]] == 2)
        #expect(starting[path: ["status", "observedGeneration"]] == starting[path: ["metadata", "generation"]])
        #expect(condition(starting, "Available")?["status"] == "False")
        #expect(condition(starting, "Progressing")?["reason"] == "ReplicaSetUpdated")

        try fixture.run(until: 12)
        let ready = try fixture.deployment()
        #expect(ready[path: ["status", "readyReplicas"]] == 3)
        #expect(ready[path: ["status", "availableReplicas"]] == 3)
        #expect(ready[path: ["status", "unavailableReplicas"]] == nil)
        #expect(condition(ready, "Available")?["status"] == "True")
        #expect(condition(ready, "Available")?["lastTransitionTime"] == .string(fixture.timestamp(12)))
        #expect(condition(ready, "Progressing")?["reason"] == "NewReplicaSetAvailable")
    }

    @Test func scaledDownPodTerminatesThenVanishes() throws {
        let fixture = try TestbedFixture(replicas: 1)
        let initial = Set(fixture.pods().compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        try fixture.scale(to: 2)
        try fixture.run(until: 20)
        let new = try #require(
            fixture.pods().compactMap { $0[path: ["metadata", "name"]]?.stringValue }.first { !initial.contains($0) }
        )

        // Scaled down at model time 20, so the most recently Ready pod (the new one) goes.
        // The grace period is 30 s, so the pod is gone from the snapshot at 50.
        try fixture.scale(to: 1)
        try fixture.run(until: 21)
        let terminating = try #require(fixture.pod(new))
        #expect(terminating[path: ["metadata", "deletionTimestamp"]] == .string(fixture.timestamp(50)))
        #expect(terminating[path: ["metadata", "deletionGracePeriodSeconds"]] == 30)
        #expect(condition(terminating, "Ready")?["status"] == "False")
        let deployment = try fixture.deployment()
        #expect(deployment[path: ["status", "replicas"]] == 1)
        #expect(deployment[path: ["status", "readyReplicas"]] == 1)

        try fixture.run(until: 49)
        #expect(fixture.pod(new) != nil)
        try fixture.run(until: 50)
        #expect(fixture.pod(new) == nil)
        #expect(fixture.pods().count == 1)
    }

    @Test func runOnAManualClockStopsAtTheEndOfTheLoad() async throws {
        let fixture = try TestbedFixture(replicas: 1, compression: 4, load: .steady(rate: 20, duration: 40))
        let clock = ManualTestbedClock(start: TestbedFixture.wallStart)

        let summary = try await fixture.testbed.run(clock: clock)

        #expect(summary.ticks == 40)
        #expect(summary.end == .loadEnded)
        #expect(fixture.testbed.modelTime == 40)
        // 40 model seconds at 4× compression last 10 wall seconds.
        #expect(clock.now() == TestbedFixture.wallStart.addingTimeInterval(10))
    }

    @Test func runStopsAtMaxDuration() async throws {
        let fixture = try TestbedFixture(
            replicas: 1,
            compression: 2,
            load: .steady(rate: 20, duration: 600),
            maxDuration: 10
        )
        let clock = ManualTestbedClock(start: TestbedFixture.wallStart)

        let summary = try await fixture.testbed.run(clock: clock)

        // Tick k is due at (k + 1) ÷ 2 wall seconds; the last one due within 10 s is k = 19.
        #expect(summary.ticks == 20)
        #expect(summary.end == .maxDuration)
    }
}
