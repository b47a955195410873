import Foundation
import Testing

@testable import KubeClient

/// A PodList as the API server writes it, with every combination of the `PodScheduled` and
/// `Ready` conditions the autoscaler reads, decoded field by field.
@Suite struct PodListDecodingTests {
    /// Builds a UTC instant from calendar fields, independent of the RFC 3339 parser under test.
    static func utc(_ hour: Int, _ minute: Int, _ second: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: 2026, month: 12, day: 4, hour: hour, minute: minute, second: second)
        return calendar.date(from: components)!
    }

    /// One pod per combination; the name says which.
    static let body = """
        {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[
         {"metadata":{"name":"just-created","creationTimestamp":"2026-12-04T10:00:00Z",
           "labels":{"app":"api","pod-template-hash":"7d9f"}},
          "status":{"phase":"Pending"}},
         {"metadata":{"name":"unschedulable","creationTimestamp":"2026-12-04T10:00:01Z"},
          "status":{"phase":"Pending","conditions":[
           {"type":"PodScheduled","status":"False","reason":"Unschedulable",
            "message":"0/3 nodes are available: 3 Insufficient cpu.","lastTransitionTime":"2026-12-04T10:00:02Z"}]}},
         {"metadata":{"name":"unscheduled-bare","creationTimestamp":"2026-12-04T10:00:03Z"},
          "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False"}]}},
         {"metadata":{"name":"scheduling-unknown","creationTimestamp":"2026-12-04T10:00:04Z"},
          "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"Unknown","reason":"X"}]}},
         {"metadata":{"name":"starting","creationTimestamp":"2026-12-04T10:01:00Z"},
          "status":{"phase":"Running","startTime":"2026-12-04T10:01:02Z","conditions":[
           {"type":"Initialized","status":"True","lastTransitionTime":"2026-12-04T10:01:02Z"},
           {"type":"Ready","status":"False","reason":"ContainersNotReady",
            "lastTransitionTime":"2026-12-04T10:01:02Z"},
           {"type":"ContainersReady","status":"False","lastTransitionTime":"2026-12-04T10:01:02Z"},
           {"type":"PodScheduled","status":"True","lastTransitionTime":"2026-12-04T10:01:02Z"}]}},
         {"metadata":{"name":"ready","creationTimestamp":"2026-12-04T10:02:00Z",
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"api-7d9f","uid":"rs-1",
            "controller":true,"blockOwnerDeletion":true}]},
          "status":{"phase":"Running","startTime":"2026-12-04T10:02:01Z","conditions":[
           {"type":"PodScheduled","status":"True","lastTransitionTime":"2026-12-04T10:02:01Z"},
           {"type":"ContainersReady","status":"True","lastTransitionTime":"2026-12-04T10:02:41Z"},
           {"type":"Ready","status":"True","lastTransitionTime":"2026-12-04T10:02:42Z"}]}},
         {"metadata":{"name":"ready-no-time","creationTimestamp":"2026-12-04T10:03:00Z"},
          "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}},
         {"metadata":{"name":"node-lost","creationTimestamp":"2026-12-04T10:04:00Z"},
          "status":{"phase":"Running","conditions":[
           {"type":"Ready","status":"Unknown","lastTransitionTime":"2026-12-04T10:04:30Z"}]}},
         {"metadata":{"name":"terminating","creationTimestamp":"2026-12-04T09:00:00Z",
           "deletionTimestamp":"2026-12-04T10:05:30Z","deletionGracePeriodSeconds":30,
           "ownerReferences":[{"kind":"ReplicaSet","name":"api-7d9f","uid":"rs-1"},
            {"kind":"ConfigMap","name":"other","controller":false}]},
          "status":{"phase":"Running","conditions":[
           {"type":"Ready","status":"True","lastTransitionTime":"2026-12-04T09:00:40Z"}]}},
         {"metadata":{"name":"failed","creationTimestamp":"2026-12-04T10:06:00Z"},
          "status":{"phase":"Failed","reason":"Evicted"}}]}
        """

    func decoded() async throws -> [String: PodInfo] {
        let http = FakeHTTPClient([FakeHTTPClient.json(200, Self.body)])
        let client = KubeClient(
            configuration: KubeConfiguration(server: "https://127.0.0.1:6443"),
            http: http,
            clock: ManualKubeClock(advancesOnSleep: true)
        )
        let pods = try await client.pods(namespace: "shop", labelSelector: "app=api")
        #expect(pods.count == 10)
        return Dictionary(uniqueKeysWithValues: pods.map { ($0.name, $0) })
    }

    @Test func pendingPodsBeforeAndAfterTheScheduler() async throws {
        let pods = try await decoded()

        #expect(
            pods["just-created"]
                == PodInfo(
                    name: "just-created",
                    labels: ["app": "api", "pod-template-hash": "7d9f"],
                    phase: "Pending",
                    isReady: false,
                    creationTimestamp: Self.utc(10, 0, 0)
                )
        )
        #expect(
            pods["unschedulable"]?.schedulingFailure
                == PodInfo.SchedulingFailure(
                    reason: "Unschedulable",
                    message: "0/3 nodes are available: 3 Insufficient cpu.",
                    since: Self.utc(10, 0, 2)
                )
        )
        #expect(
            pods["unschedulable"]?.schedulingFailure?.summary
                == "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."
        )
        #expect(pods["unscheduled-bare"]?.schedulingFailure == PodInfo.SchedulingFailure())
        #expect(pods["unscheduled-bare"]?.schedulingFailure?.summary == "PodScheduled is False")
        #expect(pods["scheduling-unknown"]?.schedulingFailure == nil)
    }

    @Test func readinessFollowsOnlyTheReadyCondition() async throws {
        let pods = try await decoded()

        // ContainersReady True beside Ready False, and the reverse order, leave Ready deciding.
        #expect(pods["starting"]?.isReady == false)
        #expect(pods["starting"]?.readySince == nil)
        #expect(pods["starting"]?.startTime == Self.utc(10, 1, 2))
        #expect(pods["starting"]?.schedulingFailure == nil)
        #expect(pods["ready"]?.isReady == true)
        #expect(pods["ready"]?.readySince == Self.utc(10, 2, 42))
        #expect(pods["ready"]?.creationTimestamp == Self.utc(10, 2, 0))
        #expect(pods["ready-no-time"]?.isReady == true)
        #expect(pods["ready-no-time"]?.readySince == nil)
        #expect(pods["node-lost"]?.isReady == false)
        #expect(pods["node-lost"]?.readySince == nil)
    }

    @Test func ownersTerminationAndPhases() async throws {
        let pods = try await decoded()

        let ready = try #require(pods["ready"])
        #expect(
            ready.controller == PodInfo.Owner(kind: "ReplicaSet", name: "api-7d9f", uid: "rs-1", isController: true)
        )
        let terminating = try #require(pods["terminating"])
        #expect(terminating.isTerminating)
        #expect(terminating.deletionTimestamp == Self.utc(10, 5, 30))
        #expect(terminating.isReady)
        // Neither reference has `controller: true`, so the pod has no controller.
        #expect(terminating.owners.count == 2)
        #expect(terminating.controller == nil)
        #expect(pods["failed"]?.phase == "Failed")
        #expect(pods["failed"]?.isTerminating == false)
        #expect(pods["ready"]?.isTerminating == false)
    }
}
