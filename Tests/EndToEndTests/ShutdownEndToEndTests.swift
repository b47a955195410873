import Foundation
import KubeTestServer
import TestSupport
import Testing

extension EndToEndTests {
    /// SIGTERM while a cycle is in progress, kept in progress by holding its scale PATCH.
    ///
    /// These tests do not wait for live samples: the p99 signal alone proposes
    /// ceil(3 × 1.5) = 5 from the backfilled history, and an invalid rate() signal blocks only
    /// scale-down, so the cycle reaches the api's PATCH either way.
    @Suite struct ShutdownEndToEndTests {
        static let hold = "shutdown-write"

        /// Starts `headroom run` and waits until its scale PATCH of the api is held.
        static func startHeld() async throws -> (EndToEndEnvironment, ChildProcess) {
            let environment = try EndToEndEnvironment(liveGauges: EndToEndEnvironment.workerWithinTolerance)
            try environment.seed(kind: "Deployment", name: "api", replicas: TestPolicy.apiReplicas)
            try environment.seed(kind: "StatefulSet", name: "worker", replicas: TestPolicy.workerReplicas)
            environment.cluster.faults.add(
                FaultRule(method: "PATCH", path: TestPolicy.apiScalePath, count: 1, action: .hold(name: hold))
            )
            let policy = try environment.writePolicy(TestPolicy.yaml())
            let arguments = environment.runArguments(policy: policy) + ["--interval", "30s"]
            let child = try HeadroomProcess.start(arguments, in: environment.directory)
            do {
                try await HeadroomProcess.wait("Headroom's PATCH to be held") {
                    environment.cluster.faults.holdState(hold) == .holding
                }
            } catch {
                child.terminate()
                environment.stop()
                throw error
            }
            return (environment, child)
        }

        @Test func firstSignalFinishesCycle() async throws {
            let (environment, child) = try await Self.startHeld()
            defer { environment.stop() }
            defer { child.terminate() }

            kill(child.process.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(500))
            #expect(child.isRunning, "the process should wait for the held write")
            environment.cluster.faults.release(hold: Self.hold)
            try await HeadroomProcess.wait("headroom to exit after the cycle", timeout: .seconds(9)) {
                !child.isRunning
            }

            #expect(child.process.terminationReason == .exit)
            #expect(child.process.terminationStatus == 0)
            #expect(try environment.specReplicas("deployments", "api") == 5)
            let records = JSONLogRecord.parse(child.stderr())
            #expect(
                records.contains { $0.message == "shutting down after the current cycle" && $0["signal"] == "SIGTERM" }
            )
            #expect(records.last?.message == "control loop stopped")
        }

        @Test func secondSignalExitsAtOnce() async throws {
            let (environment, child) = try await Self.startHeld()
            defer { environment.stop() }
            defer { child.terminate() }

            kill(child.process.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(500))
            #expect(child.isRunning, "the process should wait for the held write")
            kill(child.process.processIdentifier, SIGINT)
            try await HeadroomProcess.wait("headroom to exit on the second signal", timeout: .seconds(3)) {
                !child.isRunning
            }

            #expect(child.process.terminationReason == .exit)
            #expect(child.process.terminationStatus == 7)
            #expect(try environment.specReplicas("deployments", "api") == TestPolicy.apiReplicas)
            let records = JSONLogRecord.parse(child.stderr())
            #expect(
                records.contains { $0.message == "second shutdown signal; exiting at once" && $0["signal"] == "SIGINT" }
            )
        }
    }
}
