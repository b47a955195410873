import Foundation
import HTTPTransport
import KubeTestServer
import TestSupport
import Testing

/// `headroom run --once` and `--dry-run` against a real Prometheus and the API test server.
extension EndToEndTests {
    @Suite struct ScaleEndToEndTests {
        static let liveGauges = EndToEndEnvironment.workerWithinTolerance

        static func start() throws -> EndToEndEnvironment {
            try EndToEndEnvironment.standard()
        }

        @Test func onceScalesToLargerProposal() async throws {
            let environment = try Self.start()
            defer { environment.stop() }
            let policy = try environment.writePolicy(TestPolicy.yaml())
            let readVersion = try environment.cluster.store.get(
                try #require(ResourceType.find(groupVersion: "apps/v1", name: "deployments")),
                namespace: "shop",
                name: "api"
            )[path: ["metadata", "resourceVersion"]]?.stringValue

            let result = try await HeadroomProcess.run(environment.runArguments(policy: policy) + ["--once"])
            let records = JSONLogRecord.parse(result.stderr)

            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(try environment.specReplicas("deployments", "api") == TestPolicy.apiExpected)
            #expect(try environment.specReplicas("statefulsets", "worker") == TestPolicy.workerReplicas)

            let patches = environment.writes.filter { $0.method == "PATCH" }
            #expect(patches.count == 1)
            let patch = try #require(patches.first)
            #expect(patch.path == TestPolicy.apiScalePath)
            #expect(patch.status == 200)
            let body = try #require(
                JSONSerialization.jsonObject(with: Data((patch.body ?? "").utf8)) as? [String: Any]
            )
            #expect((body["spec"] as? [String: Any])?["replicas"] as? Int == TestPolicy.apiExpected)
            #expect((body["metadata"] as? [String: Any])?["resourceVersion"] as? String == readVersion)
            #expect(patch.query.contains("fieldManager=headroom"))
            #expect(!environment.writes.contains { $0.path == TestPolicy.workerScalePath })

            let scaled = try #require(records.about(TestPolicy.api).first { $0.message == "scaled" })
            #expect(scaled["currentReplicas"] == "3")
            #expect(scaled["desiredReplicas"] == "6")
            #expect(scaled["reason"] == "ScaledUp")
            let proposals = records.about(TestPolicy.api).filter { $0.message == "signal" }
            #expect(proposals.first { $0["signal"] == "requests" }?["proposal"] == "6")
            #expect(proposals.first { $0["signal"] == "p99" }?["proposal"] == "5")
            let p99 = try #require(proposals.first { $0["signal"] == "p99" }?["value"].flatMap(Double.init))
            #expect(abs(p99 - 0.75) < 1e-9)
            let hold = try #require(records.about(TestPolicy.worker).first { $0.message == "holding" })
            #expect(hold["reason"] == "WithinTolerance")

            // One Event per rescale, listed by kubectl with its reason.
            let events = environment.writes.filter { $0.method == "POST" && $0.path.hasSuffix("/events") }
            #expect(events.count == 1)
            #expect(events.first?.body?.contains("\"reason\":\"SuccessfulRescale\"") == true)
            let listed = try await Kubectl(environment: environment).run(["get", "events", "-n", "shop"])
            #expect(listed.status == 0, "kubectl: \(listed.stderr)")
            let rows = listed.stdout.split(separator: "\n").filter { $0.contains("SuccessfulRescale") }
            #expect(rows.count == 1)
            #expect(rows.first?.contains("deployment/api") == true)
            #expect(rows.first?.contains("New size: 6") == true)

            // kubectl describe finds a workload's Events by involvedObject.uid, so the Event must
            // carry the Deployment's uid.
            let described = try await Kubectl(environment: environment).run([
                "describe", "deployment", "api", "-n", "shop",
            ])
            #expect(described.status == 0, "kubectl: \(described.stderr)")
            let eventSection = described.stdout.components(separatedBy: "Events:").last ?? ""
            #expect(eventSection.contains("SuccessfulRescale"))
        }

        @Test func dryRunPrintsAndWritesNothing() async throws {
            let environment = try Self.start()
            defer { environment.stop() }
            let policy = try environment.writePolicy(TestPolicy.yaml())

            let result = try await HeadroomProcess.run(
                environment.runArguments(policy: policy) + ["--once", "--dry-run"]
            )
            let records = JSONLogRecord.parse(result.stderr)

            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout == "dry run: would scale Deployment shop/api from 3 to 6 (ScaledUp)\n")
            let wouldScale = try #require(records.about(TestPolicy.api).first { $0.message == "dry run: would scale" })
            #expect(wouldScale["desiredReplicas"] == "6")
            #expect(environment.writes.isEmpty, "writes: \(environment.writes.map { "\($0.method) \($0.path)" })")
            #expect(try environment.specReplicas("deployments", "api") == TestPolicy.apiReplicas)
            #expect(
                environment.cluster.audit.all.contains { $0.method == "GET" && $0.path.hasSuffix("/deployments/api") }
            )

            // The would-be action is printed even when the log level hides info records.
            let quiet = try await HeadroomProcess.run(
                environment.runArguments(policy: policy, logLevel: "error") + ["--once", "--dry-run"]
            )
            #expect(quiet.status == 0)
            #expect(quiet.stdout == "dry run: would scale Deployment shop/api from 3 to 6 (ScaledUp)\n")
            #expect(quiet.stderr.isEmpty, "stderr: \(quiet.stderr)")
            #expect(environment.writes.isEmpty)
        }

        @Test func metricsEndpointReportsScale() async throws {
            let environment = try Self.start()
            defer { environment.stop() }
            let policy = try environment.writePolicy(TestPolicy.yaml())
            let arguments =
                environment.runArguments(policy: policy, metricsAddress: "127.0.0.1:0") + ["--interval", "30s"]
            let child = try HeadroomProcess.start(arguments, in: environment.directory)
            defer { child.terminate() }

            try await HeadroomProcess.wait("the api's scale write") {
                environment.writes.contains { $0.path == TestPolicy.apiScalePath }
            }
            try await HeadroomProcess.wait("the cycle's end") {
                JSONLogRecord.parse(child.stderr()).about(TestPolicy.worker).contains { $0.message == "holding" }
            }
            let records = JSONLogRecord.parse(child.stderr())
            let serving = try #require(records.first { $0.message == "serving /metrics and /healthz" })
            let address = try #require(serving["address"])
            let metrics = try await runChild(
                "curl",
                ["-si", "--max-time", "5", address + "/metrics"],
                timeout: .seconds(10)
            )
            let health = try await runChild(
                "curl",
                ["-s", "--max-time", "5", address + "/healthz"],
                timeout: .seconds(10)
            )

            let labels = #"namespace="shop",name="api",kind="Deployment""#
            #expect(metrics.stdout.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"))
            #expect(metrics.stdout.contains("headroom_target_current_replicas{\(labels)} 6\n"))
            #expect(metrics.stdout.contains("headroom_target_desired_replicas{\(labels)} 6\n"))
            #expect(
                metrics.stdout.contains(#"headroom_scaling_actions_total{\#(labels),direction="up",dry_run="false"} 1"#)
            )
            #expect(metrics.stdout.contains("headroom_cycles_total 1\n"))
            #expect(metrics.stdout.contains("headroom_targets 2\n"))
            #expect(health.stdout == "ok\n")

            child.terminate(grace: .seconds(12))
            #expect(child.process.terminationReason == .exit)
            #expect(child.process.terminationStatus == 0)
        }

        /// A person scaled the Deployment to 0 while minReplicas is 1: it stays at 0 and
        /// ScalingDisabled is reported, although the signals ask for more replicas.
        @Test func parkedAtZeroStaysAtZero() async throws {
            let environment = try EndToEndEnvironment(liveGauges: Self.liveGauges)
            defer { environment.stop() }
            try environment.seed(kind: "Deployment", name: "api", replicas: 0)
            try environment.seed(kind: "StatefulSet", name: "worker", replicas: TestPolicy.workerReplicas)
            try environment.waitForLiveSamples()
            let policy = try environment.writePolicy(TestPolicy.yaml())

            // The API sends spec.replicas 0 as a number, as a real API server does for a
            // Deployment. A missing key would read as the default of 1.
            let http = try CurlHTTPClient(
                configuration: TransportConfiguration(
                    tls: TLSConfiguration(certificateAuthority: .file(environment.certificatePath)),
                    credentials: StaticBearerToken(EndToEndEnvironment.token)
                )
            )
            let read = try await http.send(
                HTTPRequest(
                    method: .get,
                    url: environment.cluster.apiURL + "/apis/apps/v1/namespaces/shop/deployments/api"
                )
            )
            let object = try #require(JSONSerialization.jsonObject(with: read.body) as? [String: Any])
            #expect((object["spec"] as? [String: Any])?["replicas"] as? Int == 0)

            let result = try await HeadroomProcess.run(environment.runArguments(policy: policy) + ["--once"])
            let records = JSONLogRecord.parse(result.stderr)

            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(try environment.specReplicas("deployments", "api") == 0)
            #expect(!environment.writes.contains { $0.method == "PATCH" })
            let disabled = records.about(TestPolicy.api).filter { $0.message.hasPrefix("autoscaling disabled") }
            #expect(disabled.count == 1)
            #expect(disabled.first?.level == "warning")
            let events = environment.writes.filter { $0.method == "POST" && $0.path.hasSuffix("/events") }
            #expect(events.count == 1, "events: \(events.map { $0.body ?? "" })")
            #expect(events.first?.body?.contains("\"reason\":\"ScalingDisabled\"") == true)
        }
    }
}
