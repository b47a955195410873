import Foundation
import HTTPTransport
import KubeTestServer
import TestSupport
import Testing

/// Another writer between Headroom's read and its write, placed there with the test
/// server's hold on Headroom's scale PATCH.
extension EndToEndTests {
    @Suite struct ConflictEndToEndTests {
        static let hold = "headroom-write"

        /// Starts `headroom run --once` and waits until its scale PATCH of the api is held.
        static func startHeld(_ environment: EndToEndEnvironment) async throws -> ChildProcess {
            environment.cluster.faults.add(
                FaultRule(method: "PATCH", path: TestPolicy.apiScalePath, count: 1, action: .hold(name: hold))
            )
            let policy = try environment.writePolicy(TestPolicy.yaml())
            let child = try HeadroomProcess.start(
                environment.runArguments(policy: policy) + ["--once"],
                in: environment.directory
            )
            try await HeadroomProcess.wait("Headroom's PATCH to be held") {
                environment.cluster.faults.holdState(hold) == .holding
            }
            return child
        }

        static func waitForExit(_ child: ChildProcess) async throws {
            try await HeadroomProcess.wait("headroom run --once to exit") { !child.isRunning }
        }

        static func headroomPatches(_ environment: EndToEndEnvironment) -> [AuditEntry] {
            environment.writes.filter {
                $0.method == "PATCH" && $0.path == TestPolicy.apiScalePath && $0.query.contains("fieldManager=headroom")
            }
        }

        @Test func outsideScaleIsKept() async throws {
            let environment = try EndToEndEnvironment.standard()
            defer { environment.stop() }
            let child = try await Self.startHeld(environment)
            defer { child.terminate() }

            let scaled = try await Kubectl(environment: environment).run([
                "scale", "deployment/api", "--replicas=8", "-n", "shop",
            ])
            #expect(scaled.status == 0, "kubectl: \(scaled.stderr)")
            environment.cluster.faults.release(hold: Self.hold)
            try await Self.waitForExit(child)
            let records = JSONLogRecord.parse(child.stderr()).about(TestPolicy.api)

            #expect(child.process.terminationStatus == 6)
            #expect(try environment.specReplicas("deployments", "api") == 8)
            #expect(Self.headroomPatches(environment).map(\.status) == [409])
            let kept = try #require(records.first { $0.message == "kept an outside change" })
            #expect(kept["outsideReplicas"] == "8")
            #expect(kept["desiredReplicas"] == "6")
            let events = environment.writes.filter { $0.method == "POST" && $0.path.hasSuffix("/events") }
            #expect(events.count == 1)
            #expect(events.first?.body?.contains("\"reason\":\"OutsideRescale\"") == true)
        }

        /// Only the status moved, as during a rollout: the write conflicts, is retried once with
        /// the new resourceVersion, and lands in the same cycle.
        @Test func statusChangeIsRetried() async throws {
            let environment = try EndToEndEnvironment.standard()
            defer { environment.stop() }
            let child = try await Self.startHeld(environment)
            defer { child.terminate() }

            let http = try CurlHTTPClient(
                configuration: TransportConfiguration(
                    tls: TLSConfiguration(certificateAuthority: .file(environment.certificatePath)),
                    credentials: StaticBearerToken(EndToEndEnvironment.token)
                )
            )
            let statusWrite = try await http.send(
                HTTPRequest(
                    method: .patch,
                    url: environment.cluster.apiURL + "/apis/apps/v1/namespaces/shop/deployments/api/status",
                    headers: [HTTPHeader("Content-Type", "application/merge-patch+json")],
                    body: Data(#"{"status":{"availableReplicas":2}}"#.utf8)
                )
            )
            #expect(statusWrite.status == 200)
            let deployments = try #require(ResourceType.find(groupVersion: "apps/v1", name: "deployments"))
            let versionAfterStatus = try environment.cluster.store.get(deployments, namespace: "shop", name: "api")[
                path: ["metadata", "resourceVersion"]
            ]?.stringValue
            environment.cluster.faults.release(hold: Self.hold)
            try await Self.waitForExit(child)
            let records = JSONLogRecord.parse(child.stderr()).about(TestPolicy.api)

            #expect(child.process.terminationStatus == 0, "stderr: \(child.stderr())")
            #expect(try environment.specReplicas("deployments", "api") == TestPolicy.apiExpected)
            let patches = Self.headroomPatches(environment)
            #expect(patches.map(\.status) == [409, 200])
            let retry = try #require(patches.last?.body)
            #expect(retry.contains("\"resourceVersion\":\"\(versionAfterStatus ?? "none")\""))
            #expect(records.contains { $0.message == "status changed between read and write; retrying once" })
            #expect(records.contains { $0.message == "scaled" && $0["desiredReplicas"] == "6" })
        }
    }
}
