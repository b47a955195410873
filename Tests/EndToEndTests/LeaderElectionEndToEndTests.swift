import Foundation
import KubeTestServer
import TestSupport
import Testing

extension EndToEndTests {
    /// Two `headroom run --leader-elect` processes, each with its own token, against one API
    /// server and Prometheus. Durations are short: a 3 s lease, a 2 s renew deadline, a 0.5 s
    /// retry period and a 2 s interval.
    @Suite struct LeaderElectionEndToEndTests {
        static let leaseSeconds = 3.0
        static let retrySeconds = 0.5
        static let intervalSeconds = 2.0
        static let leaseType = ResourceType.find(groupVersion: "coordination.k8s.io/v1", name: "leases")!

        /// Writes a kubeconfig for `token` and returns its path.
        static func kubeconfig(_ environment: EndToEndEnvironment, token: String) throws -> String {
            try environment.directory.write(
                "kubeconfig-\(token)",
                """
                apiVersion: v1
                kind: Config
                current-context: e2e
                clusters:
                - name: e2e
                  cluster:
                    server: \(environment.cluster.apiURL)
                    certificate-authority: \(environment.certificatePath)
                users:
                - name: u
                  user:
                    token: \(token)
                contexts:
                - name: e2e
                  context: {cluster: e2e, user: u, namespace: shop}
                """
            )
        }

        /// Starts one candidate as the API identity `name`, with `POD_NAME` set to `name`.
        static func start(_ name: String, environment: EndToEndEnvironment, policy: String) throws -> ChildProcess {
            let token = "token-\(name)"
            environment.cluster.access.addToken(token, identity: name)
            let arguments = [
                "run", "--policy", policy, "--kubeconfig", try kubeconfig(environment, token: token),
                "--prometheus", environment.prometheus.baseURL, "--log-format", "json", "--log-level", "debug",
                "--metrics-address", "none", "--interval", "2s", "--leader-elect",
                "--leader-election-namespace", "shop", "--leader-election-lease-duration", "3s",
                "--leader-election-renew-deadline", "2s", "--leader-election-retry-period", "500ms",
            ]
            var variables = ProcessInfo.processInfo.environment
            variables["POD_NAME"] = name
            return try ChildProcess(
                executable: try HeadroomProcess.path(),
                arguments: arguments,
                environment: variables,
                logPrefix: environment.directory.file(name)
            )
        }

        static func holder(_ environment: EndToEndEnvironment) -> String? {
            (try? environment.cluster.store.get(leaseType, namespace: "shop", name: "headroom"))?[
                path: ["spec", "holderIdentity"]
            ]?.stringValue
        }

        /// C01 without the partial data: A leads and scales the api from 3 to 6 (and on, as the
        /// p99 signal stays above target); B runs as a standby and writes nothing. A is killed without releasing, and B takes the Lease within
        /// lease + 2 × 2.2 × retry + interval + retry = 3 + 2.2 + 2 + 0.5 = 7.7 s. B then writes:
        /// the worker's depth rises to 70, and B scales it from 4 to ceil(70 / 10) = 7.
        @Test func onlyTheLeaderWritesAndStandbyTakesOver() async throws {
            let environment = try EndToEndEnvironment.standard()
            defer { environment.stop() }
            let policy = try environment.writePolicy(TestPolicy.yaml())

            let a = try Self.start("headroom-a", environment: environment, policy: policy)
            defer { a.terminate(grace: .seconds(1)) }
            try await HeadroomProcess.wait("A to lead and scale the api to 6", timeout: .seconds(20)) {
                try environment.specReplicas("deployments", "api") == TestPolicy.apiExpected
            }
            let b = try Self.start("headroom-b", environment: environment, policy: policy)
            defer { b.terminate(grace: .seconds(1)) }
            try await HeadroomProcess.wait("B's control loop to start", timeout: .seconds(20)) {
                JSONLogRecord.parse(b.stderr()).contains { $0.message == "control loop started" }
            }
            // Two standby cycles and a bit.
            try await Task.sleep(for: .seconds(2 * Self.intervalSeconds + 1))
            let writesByBWhileStandby = environment.writes.filter { $0.identity == "headroom-b" }.count
            let patchesBeforeKill = environment.writes.filter { $0.method == "PATCH" }
            let holderWhileBoth = Self.holder(environment)
            let kubectlLeases = try await Kubectl(environment: environment).run(["get", "leases", "-n", "shop"])

            kill(a.process.processIdentifier, SIGKILL)
            let killed = ContinuousClock.now
            try await HeadroomProcess.wait("B to take the Lease", timeout: .seconds(15)) {
                Self.holder(environment)?.hasPrefix("headroom-b_") == true
            }
            let takeover = (ContinuousClock.now - killed) / .seconds(1)
            environment.live.setGauge(#"queue_depth{namespace="shop",statefulset="worker"}"#, "70")
            try await HeadroomProcess.wait("B to scale the worker to 7", timeout: .seconds(30)) {
                try environment.specReplicas("statefulsets", "worker") == TestPolicy.workerRecovered
            }
            let writes = environment.writes
            let patches = writes.filter { $0.method == "PATCH" }
            let workerPatches = patches.filter { $0.path == TestPolicy.workerScalePath }
            let bTookLease = writes.first { $0.identity == "headroom-b" && $0.path.hasSuffix("/leases/headroom") }
            let bRecords = JSONLogRecord.parse(b.stderr())

            kill(b.process.processIdentifier, SIGTERM)
            try await HeadroomProcess.wait("B to exit after SIGTERM", timeout: .seconds(9)) { !b.isRunning }

            #expect(holderWhileBoth?.hasPrefix("headroom-a_") == true)
            #expect(writesByBWhileStandby == 0)
            #expect(kubectlLeases.status == 0)
            #expect(kubectlLeases.stdout.contains("headroom-a_"))
            #expect(takeover <= 7.7, "takeover after \(takeover) s")
            #expect(!patchesBeforeKill.isEmpty)
            #expect(Set(patchesBeforeKill.map(\.identity)) == ["headroom-a"])
            // B's first write is its Lease takeover, and each of its scale writes comes later.
            let takeoverSequence = try #require(bTookLease?.sequence)
            #expect(writes.first { $0.identity == "headroom-b" }?.sequence == takeoverSequence)
            #expect(patches.filter { $0.identity == "headroom-b" }.allSatisfy { $0.sequence > takeoverSequence })
            #expect(patches.filter { $0.identity == "headroom-a" }.allSatisfy { $0.sequence < takeoverSequence })
            #expect(workerPatches.map(\.identity) == ["headroom-b"])
            #expect(bRecords.contains { $0.message == "loaded saved scaling history" })
            #expect(b.process.terminationStatus == 0)
            #expect(Self.holder(environment) == "")
        }
    }
}
