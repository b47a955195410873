import FleetModel
import FleetTestbed
import Foundation
import KubeTestServer
import Testing

/// The testbed's Pod objects carry what the API server shows for a real pod: timestamps in
/// lifecycle order, the kubelet's conditions with their reasons, and the container's state.
@Suite struct PodObjectTests {
    /// Returns the name of the one pod that `fixture` did not start with.
    func newPod(_ fixture: TestbedFixture, besides initial: Set<String>) throws -> String {
        try #require(
            fixture.pods().compactMap { $0[path: ["metadata", "name"]]?.stringValue }.first { !initial.contains($0) }
        )
    }

    func names(_ fixture: TestbedFixture) -> Set<String> {
        Set(fixture.pods().compactMap { $0[path: ["metadata", "name"]]?.stringValue })
    }

    @Test func scaleUpGoesPendingThenRunningThenReadyWithIncreasingTimes() throws {
        let fixture = try TestbedFixture(replicas: 1)
        let initial = names(fixture)
        try fixture.scale(to: 2)

        // Scaled at model time 0: scheduled at 2, listening at 10, Ready at 12 (see TestbedFixture).
        var phases: [String] = []
        var pod: JSONValue?
        for second in 1...13 {
            try fixture.run(until: Double(second))
            pod = fixture.pod(try newPod(fixture, besides: initial))
            let ready = condition(pod, "Ready")?["status"]?.stringValue ?? "absent"
            phases.append("\(pod?[path: ["status", "phase"]]?.stringValue ?? "") \(ready)")
        }

        #expect(
            phases == ["Pending absent"] + Array(repeating: "Running False", count: 10) + [
                "Running True", "Running True",
            ]
        )
        let created = pod?[path: ["metadata", "creationTimestamp"]]?.stringValue
        let scheduled = condition(pod, "PodScheduled")?["lastTransitionTime"]?.stringValue
        let readySince = condition(pod, "Ready")?["lastTransitionTime"]?.stringValue
        #expect(created == fixture.timestamp(0))
        #expect(scheduled == fixture.timestamp(2))
        #expect(pod?[path: ["status", "startTime"]]?.stringValue == fixture.timestamp(2))
        #expect(readySince == fixture.timestamp(12))
        // Compression 2 maps model seconds 0, 2 and 12 to wall seconds 0, 1 and 6.
        let times = [created, scheduled, readySince].map { $0.flatMap(Timestamps.parse) }
        #expect(times == [0, 1, 6].map { TestbedFixture.wallStart.addingTimeInterval($0) })
    }

    @Test func startingPodShowsARunningContainerAndWhyItIsNotReady() throws {
        let fixture = try TestbedFixture(replicas: 1)
        let initial = names(fixture)
        try fixture.scale(to: 2)
        try fixture.run(until: 4)
        let name = try newPod(fixture, besides: initial)

        let starting = try #require(fixture.pod(name))
        try fixture.run(until: 12)
        let ready = try #require(fixture.pod(name))

        let container = starting[path: ["status", "containerStatuses"]]?.arrayValue?.first
        #expect(container?[path: ["state", "running", "startedAt"]]?.stringValue == fixture.timestamp(2))
        #expect(container?["started"] == .bool(false))
        #expect(starting[path: ["spec", "containers"]]?.arrayValue?.first?["startupProbe"] != nil)
        for type in ["Ready", "ContainersReady"] {
            #expect(condition(starting, type)?["status"] == "False")
            #expect(condition(starting, type)?["reason"] == "ContainersNotReady")
            #expect(condition(starting, type)?["message"] == "containers with unready status: [directus]")
            #expect(condition(starting, type)?["lastTransitionTime"]?.stringValue == fixture.timestamp(2))
        }
        #expect(condition(starting, "PodReadyToStartContainers")?["status"] == "True")
        #expect(
            condition(starting, "PodReadyToStartContainers")?["lastTransitionTime"]?.stringValue == fixture.timestamp(2)
        )
        #expect(condition(ready, "Ready")?["status"] == "True")
        #expect(condition(ready, "Ready")?["reason"] == nil)
        #expect(condition(ready, "Ready")?["message"] == nil)
    }

    @Test func podWithoutRoomIsUnschedulableFromTheSchedulersFirstTry() throws {
        var parameters = TestbedFixture.parameters
        parameters.lifecycle.schedulablePods = 1
        let fixture = try TestbedFixture(replicas: 1, parameters: parameters)
        let initial = names(fixture)
        try fixture.scale(to: 2)
        try fixture.run(until: 3)

        let pod = try #require(fixture.pod(try newPod(fixture, besides: initial)))

        // Created at 0; the scheduler first tries after the 2 s scheduling delay and finds the
        // one schedulable slot taken.
        #expect(pod[path: ["status", "phase"]] == "Pending")
        #expect(pod[path: ["status", "conditions"]]?.arrayValue?.count == 1)
        #expect(condition(pod, "PodScheduled")?["status"] == "False")
        #expect(condition(pod, "PodScheduled")?["reason"] == "Unschedulable")
        #expect(condition(pod, "PodScheduled")?["lastTransitionTime"]?.stringValue == fixture.timestamp(2))
        #expect(pod[path: ["metadata", "creationTimestamp"]]?.stringValue == fixture.timestamp(0))
    }
}
