import Foundation
import KubeTestServer
import TestSupport
import Testing

/// The database budget on its real path: the testbed runs the `directus-direct` fleet, whose
/// postgres exporter a real Prometheus scrapes, and `headroom run` reads the budget from it
/// while a steady load requests far more replicas than the budget allows. The checks read the
/// testbed's audit log, timeline and Events, Headroom's JSON log and its /metrics.
extension EndToEndTests {
    @Suite(.serialized) struct DatabaseBudgetEndToEndTests {
        /// What one run leaves behind for the assertions.
        struct Evidence {
            /// The testbed's `/postgres/metrics` page, read directly from the exporter.
            var postgresPage: String
            var audit: [AuditEntry]
            var events: [[String: Any]]
            var timeline: [TimelineTick]
            var log: [JSONLogRecord]
            var cycles: [DecisionCycle]
            /// Headroom's /metrics, read after it held at the ceiling.
            var metrics: String
            /// `spec.replicas` as the API shows it after Headroom stopped.
            var finalReplicas: Int?
        }

        /// The run took 14 to 18 s on a 2-core machine shared with builds. Every wait inside gives up
        /// at `DatabaseBudgetPlan.deadline`.
        @Test(.timeLimit(.minutes(1))) func budgetCeilingStopsScaleUpAtNine() async throws {
            let began = Date()
            let directory = try TemporaryDirectory(prefix: "database-budget-e2e")
            defer { directory.remove() }
            let evidence = try await Self.run(in: directory)
            let history = try RescaleHistory(audit: evidence.audit, identity: DatabaseBudgetPlan.identity)

            Self.checkExporter(evidence)
            Self.checkWrites(evidence, history)
            try Self.checkEvents(evidence)
            Self.checkExplanations(evidence)
            Self.checkMetrics(evidence)
            print(
                String(
                    format: "database budget: rescales %@, %d cycles logged, wall time %.1f s",
                    "\(history.rescales.map(\.replicas))",
                    evidence.cycles.count,
                    Date().timeIntervalSince(began)
                )
            )
        }

        /// Starts the testbed, Prometheus and `headroom run`, waits until Headroom has held at the
        /// ceiling for `DatabaseBudgetPlan.holdCycles` cycles, reads its /metrics and collects
        /// the evidence.
        static func run(in directory: TemporaryDirectory) async throws -> Evidence {
            let deadline = Date().addingTimeInterval(DatabaseBudgetPlan.deadline)
            let policy = try directory.write("policy.yaml", DatabaseBudgetPlan.policy)
            let check = try await HeadroomProcess.run(["check", "--policy", policy])
            try #require(check.status == 0, "headroom check: \(check.stdout)\(check.stderr)")

            let identities = [DatabaseBudgetPlan.identity, FlashSalePlan.kubectlIdentity]
            let testbed = try await TestbedProcess(
                in: directory,
                identities: identities,
                scenario: DatabaseBudgetPlan.testbedScenario
            )
            defer { testbed.stop() }
            let prometheus = try await ConfiguredPrometheus(
                configPath: testbed.prometheusConfigPath,
                directory: directory
            )
            defer { prometheus.stop() }
            // Headroom starts once Prometheus has both budget settings and a full rate window of
            // the demand, so its first cycle has the budget and reads the steady demand. With
            // fewer samples rate() extrapolates over part of the window only and reads low.
            let ready = try await poll(until: deadline) {
                for query in DatabaseBudgetPlan.budgetQueries where try await prometheus.instant(query) == nil {
                    return false
                }
                let samples = try await prometheus.instant(DatabaseBudgetPlan.windowSamplesQuery) ?? 0
                return samples >= DatabaseBudgetPlan.fullWindowSamples
            }
            try #require(ready, "Prometheus had no full window of the demand or no budget settings")

            let headroom = try HeadroomProcess.start(
                [
                    "run", "--policy", policy, "--kubeconfig",
                    try testbed.kubeconfig(for: DatabaseBudgetPlan.identity), "--prometheus", prometheus.baseURL,
                    "--interval", "1s", "--log-format", "json", "--log-level", "debug", "--metrics-address",
                    "127.0.0.1:0",
                ],
                in: directory
            )
            defer { headroom.terminate() }

            let heldAtCeiling = try await poll(until: deadline) {
                let cycles = try DecisionCycle.parse(headroom.stderr(), target: FlashSalePlan.target)
                return cycles.filter { $0.current == DatabaseBudgetPlan.ceiling }.count >= DatabaseBudgetPlan.holdCycles
            }
            try #require(
                heldAtCeiling,
                "Headroom did not hold at \(DatabaseBudgetPlan.ceiling) for \(DatabaseBudgetPlan.holdCycles) cycles"
            )
            let serving = try #require(
                JSONLogRecord.parse(headroom.stderr()).first { $0.message == "serving /metrics and /healthz" }
            )
            let metrics = try await fetch(try #require(serving["address"]) + "/metrics")
            let postgresPage = try await fetch(testbed.metricsURL + "/postgres/metrics")

            headroom.terminate(grace: .seconds(12))
            let audit = try await testbed.audit()
            let events = try await testbed.get("/api/v1/namespaces/shop/events", as: FlashSalePlan.kubectlIdentity)
            let deployment = try await testbed.get(
                "/apis/apps/v1/namespaces/shop/deployments/api",
                as: FlashSalePlan.kubectlIdentity
            )
            let timeline = try testbed.timeline()
            let log = headroom.stderr()
            return Evidence(
                postgresPage: postgresPage,
                audit: audit,
                events: events["items"] as? [[String: Any]] ?? [],
                timeline: timeline,
                log: JSONLogRecord.parse(log).about(FlashSalePlan.target),
                cycles: try DecisionCycle.parse(log, target: FlashSalePlan.target),
                metrics: metrics,
                finalReplicas: (deployment["spec"] as? [String: Any])?["replicas"] as? Int
            )
        }

        /// Returns the body of a GET of `url` with curl. A failed request or an HTTP error status
        /// fails the test.
        static func fetch(_ url: String) async throws -> String {
            let result = try await runChild(
                "curl",
                ["-sf", "--max-time", "5", url],
                timeout: .seconds(10)
            )
            try #require(result.status == 0, "curl \(url) exited \(result.status): \(result.stderr)")
            return result.stdout
        }

        /// Checks that the exporter publishes the settings the plan's budget is computed from.
        static func checkExporter(_ evidence: Evidence) {
            let page = evidence.postgresPage
            #expect(sample("pg_settings_max_connections", in: page) == Double(DatabaseBudgetPlan.maxConnections))
            #expect(
                sample("pg_settings_superuser_reserved_connections", in: page)
                    == Double(DatabaseBudgetPlan.reservedConnections)
            )
            #expect(page.contains("pg_stat_activity_count{datname=\"api\",state=\"active\"} "))
        }

        /// Checks that spec.replicas rises from 2 to the ceiling and never past it, in every write and every
        /// tick the testbed saw.
        static func checkWrites(_ evidence: Evidence, _ history: RescaleHistory) {
            let written = history.rescales.map(\.replicas)
            #expect(written.first.map { $0 > DatabaseBudgetPlan.minReplicas } == true, "writes \(written)")
            #expect(written.allSatisfy { $0 <= DatabaseBudgetPlan.ceiling }, "writes \(written)")
            #expect(zip(written, written.dropFirst()).allSatisfy { $0 < $1 }, "writes \(written)")
            #expect(written.last == DatabaseBudgetPlan.ceiling, "writes \(written)")
            // Headroom writes nothing to the Deployment but its scale subresource.
            let other = evidence.audit.filter {
                $0.identity == DatabaseBudgetPlan.identity && $0.method != "GET" && $0.path.contains("/deployments/")
                    && $0.path != FlashSalePlan.scalePath
            }
            #expect(other.isEmpty, "other writes: \(other.map { "\($0.method) \($0.path)" })")

            let desired = evidence.timeline.map(\.desired)
            #expect(desired.first == DatabaseBudgetPlan.minReplicas)
            #expect(desired.allSatisfy { $0 <= DatabaseBudgetPlan.ceiling }, "peak \(desired.max() ?? -1)")
            #expect(desired.last == DatabaseBudgetPlan.ceiling)
            #expect(evidence.finalReplicas == DatabaseBudgetPlan.ceiling)
        }

        /// Checks for one `DownstreamLimited` Warning on the Deployment that names the requested
        /// count and the ceiling. The database was never saturated, and its budget never unknown.
        static func checkEvents(_ evidence: Evidence) throws {
            let limited = evidence.events.filter { $0["reason"] as? String == "DownstreamLimited" }
            #expect(limited.count == 1, "DownstreamLimited Events: \(limited)")
            let event = try #require(limited.first)
            let involved = event["involvedObject"] as? [String: Any]
            #expect(involved?["kind"] as? String == "Deployment")
            #expect(involved?["name"] as? String == FlashSalePlan.deployment)
            #expect(event["type"] as? String == "Warning")
            #expect((event["count"] as? Int ?? 1) == 1)

            // Every cycle read the steady demand, so the condition started in the first one, and
            // the Event names that cycle's proposal, worked out here from its logged value.
            let values = evidence.cycles.map { $0.value ?? -1 }
            #expect(values.allSatisfy { DatabaseBudgetPlan.demandBand.contains($0) }, "signal values \(values)")
            let value = try #require(values.first, "no decision cycle logged")
            let requested = DatabaseBudgetPlan.proposal(rate: value)
            let message = event["message"] as? String ?? ""
            let expected =
                "the signals ask for \(requested) replicas; the database budget allows \(DatabaseBudgetPlan.ceiling);"
            #expect(message.hasPrefix(expected), "message: \(message)")

            for reason in ["DownstreamBound", "DownstreamBudgetUnknown", "MinimumExceedsShare"] {
                #expect(!evidence.events.contains { $0["reason"] as? String == reason }, "unexpected \(reason)")
            }
        }

        /// Checks that the write that reached the ceiling and each hold there name
        /// `DownstreamLimited` and the ceiling of 9 in their reason and explanation.
        ///
        /// The write to 9 comes from a count c of at least 5, because Percent 100 cannot reach 9
        /// from 4. So the rate policy allowed 2c ≥ 10, and the signal requested more. The ceiling
        /// set the count last, so the reason is the ceiling's. At 9 the policy allows 18, again
        /// above it.
        static func checkExplanations(_ evidence: Evidence) {
            let phrase = "DownstreamLimited: budget ceiling \(DatabaseBudgetPlan.ceiling) replicas"
            let decisions = evidence.log.filter { DecisionCycle.decisionMessages.contains($0.message) }
            let atCeiling = decisions.filter { $0["desiredReplicas"] == "\(DatabaseBudgetPlan.ceiling)" }
            #expect(atCeiling.count >= 1 + DatabaseBudgetPlan.holdCycles, "\(atCeiling.count) decisions at 9")
            for record in atCeiling {
                #expect(record["reason"] == "DownstreamLimited", "\(record.fields)")
                #expect(record["explanation"]?.contains(phrase) == true, "\(record["explanation"] ?? "")")
            }
            let reachingCeiling = atCeiling.filter { $0.message == "scaled" }
            #expect(reachingCeiling.count == 1, "writes to 9: \(reachingCeiling.map(\.fields))")
            // Every cycle requested more than the ceiling, so every decision was limited.
            #expect(decisions.allSatisfy { $0["explanation"]?.contains(phrase) == true })
        }

        /// Checks that Headroom's /metrics shows the usable connections and the limited target.
        static func checkMetrics(_ evidence: Evidence) {
            let labels = #"namespace="shop",name="api",kind="Deployment""#
            let usable = DatabaseBudgetPlan.maxConnections - DatabaseBudgetPlan.reservedConnections
            let text = evidence.metrics
            #expect(text.contains("headroom_database_usable_connections{database=\"main\"} \(usable)\n"))
            #expect(text.contains("headroom_database_saturated{database=\"main\"} 0\n"))
            #expect(text.contains("headroom_target_downstream_limited{\(labels)} 1\n"))
            #expect(text.contains("headroom_target_downstream_bound{\(labels)} 0\n"))
            #expect(text.contains("headroom_target_budget_ceiling_replicas{\(labels)} \(DatabaseBudgetPlan.ceiling)\n"))
            #expect(text.contains("headroom_target_current_replicas{\(labels)} \(DatabaseBudgetPlan.ceiling)\n"))
        }

        /// Returns the value of the unlabelled series `name` on an exposition page.
        static func sample(_ name: String, in page: String) -> Double? {
            for line in page.split(separator: "\n") where line.hasPrefix(name + " ") {
                return Double(line.dropFirst(name.count + 1))
            }
            return nil
        }
    }
}

/// The run the database budget test sets up, and the numbers worked out by hand from it.
///
/// Fleet `directus-direct`: every pod's pool connects to PostgreSQL, whose exporter publishes
/// `max_connections` 100 and `superuser_reserved_connections` 3. Usable: 100 − 3 = 97.
/// One target, minReplicas 2, pools of 10: it is guaranteed 2 × 10 = 20 and gets the other 77,
/// so its ceiling is 2 + floor(77 / 10) = 9, which is also floor(97 / 10) = 9.
///
/// Load: steady 1 000 model requests/s, time compressed F = 10, so Prometheus reads 10 000/s.
/// At 350 per replica (35 model requests/s per pod, times F) the signal proposes
/// ceil(10 000 / 350) = 29, far above 9. A full 5 s window has its first and last samples
/// 4 s apart, 40 000 model requests, so Poisson noise is 0.5 %. A scrape reads the counter of a
/// tick up to 0.1 s old, which is up to 2.5 % of 4 s. So, as an estimate, the signal stays
/// within 10 % of 10 000 and proposes 26 to 32.
///
/// Saturation needs 90 % of 97 active connections. Nine pods serve at most 9 × 50 requests/s,
/// each holding a connection for 10 ms: about 4.5 active, so the database is never saturated.
///
/// Scale-up: Percent 100 per 1 s cycle, so the count rises 2 → 4 → 8 → 9 at best, the ceiling
/// stopping the last step.
enum DatabaseBudgetPlan {
    static let identity = "headroom-budget"
    static let compression = 10.0
    static let maxConnections = 100
    static let reservedConnections = 3
    static let minReplicas = 2
    static let maxReplicas = 40
    static let poolSize = 10
    static let perReplicaTarget = 350.0
    /// 2 + floor((97 − 2 × 10) / 10).
    static let ceiling = 9
    /// Cycles Headroom must decide at the ceiling before the test reads the evidence.
    static let holdCycles = 3
    /// Wall seconds from the start of `run` by which every wait has given up.
    static let deadline = 25.0

    /// 1 000 model requests/s for 400 model seconds (40 wall seconds). The testbed stops itself
    /// after 30 wall seconds whatever happens to the test.
    static let testbedScenario = [
        "--fleet", "directus-direct", "--replicas", "\(minReplicas)", "--compression", "\(compression)",
        "--seed", "11", "--load", "steady:1000:400", "--max-duration", "30",
    ]

    /// The two settings of the budget, as the postgres exporter default queries read them.
    static let budgetQueries = ["max(pg_settings_max_connections)", "max(pg_settings_superuser_reserved_connections)"]
    /// Samples of the least-scraped ingress series within the signal's 5 s window.
    static let windowSamplesQuery =
        #"min(count_over_time(nginx_ingress_controller_requests{namespace="shop",ingress="api"}[5s]))"#
    /// Scrapes 1 s apart fill a 5 s window with 5 samples.
    static let fullWindowSamples = 5.0
    /// The demand as Prometheus reads it: 1 000 × F, within 10 %.
    static let demandBand = 9_000.0...11_000.0

    /// Returns the signal's proposal at `rate`, within the replica bounds, before any limit.
    static func proposal(rate: Double) -> Int {
        min(max(Int((rate / perReplicaTarget).rounded(.up)), minReplicas), maxReplicas)
    }

    static let policy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        databases:
          - name: main
            exporter: postgres
        targets:
          - kind: Deployment
            namespace: shop
            name: api
            minReplicas: 2
            maxReplicas: 40
            signals:
              - name: requests
                query: 'sum(rate(nginx_ingress_controller_requests{namespace="{{namespace}}",ingress="{{name}}"}[5s]))'
                target: 350
                rule: perReplica
                maxSampleAge: 10s
            database:
              name: main
              poolSize: 10
            behavior:
              scaleUp:
                stabilizationWindowSeconds: 0
                policies:
                  - {type: Percent, value: 100, periodSeconds: 1}
              scaleDown:
                stabilizationWindowSeconds: 30
                policies:
                  - {type: Percent, value: 100, periodSeconds: 1}

        """
}
