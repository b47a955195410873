import Foundation
import KubeTestServer
import TestSupport
import Testing

/// Headroom against the live testbed and a real Prometheus through a compressed flash sale
/// (see `FlashSalePlan`), with a real `headroom run` and a `--dry-run` one side by side. The
/// checks read the timeline, audit log, Events, Prometheus and both logs, in cycles of 1 s.
extension EndToEndTests {
    @Suite(.serialized) struct FlashSaleEndToEndTests {
        /// What one run leaves behind for the assertions.
        struct Evidence {
            /// Unix seconds just before the testbed started.
            var started: Double
            var points: [RatePoint]
            var audit: [AuditEntry]
            var events: [[String: Any]]
            var timeline: [TimelineTick]
            var real: [DecisionCycle]
            var dryRun: [DecisionCycle]
            var dryRunStdout: String
            var kubectl: KubectlFindings
        }

        /// The run took 96 s on a 2-core machine shared with builds, so 4 minutes leave room.
        @Test(.timeLimit(.minutes(4))) func flashSaleScalesToCapAndBack() async throws {
            let directory = try TemporaryDirectory(prefix: "flash-sale-e2e")
            defer { directory.remove() }
            let evidence = try await Self.run(in: directory)
            let history = try RescaleHistory(audit: evidence.audit, identity: FlashSalePlan.realIdentity)

            let rise = try Self.checkRise(evidence, history)
            let peak = Self.checkCap(evidence, history)
            let floor = try Self.checkFloor(evidence, history)
            Self.checkEvents(evidence, history)
            let dryRun = try Self.checkDryRun(evidence, history)
            Self.checkKubectl(evidence.kubectl)

            print(
                String(
                    format: "flash sale: first scale-up %.2f cycles after the spike was visible; peak %d replicas; "
                        + "floor %.2f s after the load fell (window 30 s); %d rescales %@",
                    rise,
                    peak,
                    floor,
                    history.rescales.count,
                    "\(history.rescales.map(\.replicas))"
                )
            )
            print("flash sale: \(dryRun); kubectl pods compared \(evidence.kubectl.pods.matched)")
        }

        /// Starts everything, lets the flash sale play until the real process is back at the
        /// floor, runs kubectl while scaled up and down, and collects the evidence.
        static func run(in directory: TemporaryDirectory) async throws -> Evidence {
            let policy = try directory.write("policy.yaml", FlashSalePlan.policy)
            let check = try await HeadroomProcess.run(["check", "--policy", policy])
            try #require(check.status == 0, "headroom check: \(check.stdout)\(check.stderr)")

            let identities = [FlashSalePlan.realIdentity, FlashSalePlan.dryRunIdentity, FlashSalePlan.kubectlIdentity]
            let testbed = try await TestbedProcess(in: directory, identities: identities)
            defer { testbed.stop() }
            let prometheus = try await ConfiguredPrometheus(
                configPath: testbed.prometheusConfigPath,
                directory: directory
            )
            defer { prometheus.stop() }
            let rampStart = testbed.started.addingTimeInterval(FlashSalePlan.rampStartWallSeconds)
            // rate() over 5 s needs two scrapes of the ingress, so both processes start with a value.
            let hasSignal = try await poll(until: rampStart) {
                try await prometheus.instant(FlashSalePlan.signalQuery) != nil
            }
            try #require(hasSignal, "Prometheus had no value for the signal before the ramp")

            func arguments(_ identity: String) throws -> [String] {
                [
                    "run", "--policy", policy, "--kubeconfig", try testbed.kubeconfig(for: identity),
                    "--prometheus", prometheus.baseURL, "--interval", "1s", "--log-format", "json",
                    "--log-level", "debug", "--metrics-address", "none",
                ]
            }
            let real = try HeadroomProcess.start(try arguments(FlashSalePlan.realIdentity), in: directory)
            let dryRun = try HeadroomProcess.start(
                try arguments(FlashSalePlan.dryRunIdentity) + ["--dry-run"],
                in: directory
            )
            defer {
                real.terminate()
                dryRun.terminate()
            }

            let kubectl = try await KubectlFindings.collect(testbed)

            // Back at the floor: the last write of the real process set minReplicas after the peak.
            let loadEnd = testbed.started.addingTimeInterval(FlashSalePlan.loadWallSeconds)
            let atFloor = try await poll(until: loadEnd) {
                let writes = try RescaleHistory(audit: try await testbed.audit(), identity: FlashSalePlan.realIdentity)
                return writes.rescales.count > 1 && writes.rescales.last?.replicas == FlashSalePlan.minReplicas
            }
            try #require(
                atFloor,
                "the real process did not return to \(FlashSalePlan.minReplicas) before the load ended"
            )

            real.terminate(grace: .seconds(12))
            dryRun.terminate(grace: .seconds(12))
            let audit = try await testbed.audit()
            let events = try await testbed.get("/api/v1/namespaces/shop/events", as: FlashSalePlan.kubectlIdentity)
            let timeline = try testbed.timeline()
            let end = Date()
            testbed.stop()
            let points = try await prometheus.range(
                FlashSalePlan.signalQuery,
                from: testbed.started,
                to: end,
                step: Self.step
            )
            return Evidence(
                started: testbed.started.timeIntervalSince1970,
                points: points,
                audit: audit,
                events: events["items"] as? [[String: Any]] ?? [],
                timeline: timeline,
                real: try DecisionCycle.parse(real.stderr(), target: FlashSalePlan.target),
                dryRun: try DecisionCycle.parse(dryRun.stderr(), target: FlashSalePlan.target),
                dryRunStdout: dryRun.stdout(),
                kubectl: kubectl
            )
        }

        /// The range query's resolution, seconds.
        static let step = 0.1
    }
}

/// Polls `condition` every 250 ms. Returns true once it is true, false once `deadline` passes.
func poll(until deadline: Date, _ condition: () async throws -> Bool) async throws -> Bool {
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(250))
    }
    return false
}
