import Foundation
import MetricsClient
import Observability
import Testing

@testable import Autoscaler

/// The loop's side of the backpressure rules: database readings through the signal source,
/// the budget split within a cycle, and one Event and a metric per condition.
@Suite struct ControlLoopBackpressureTests {
    typealias F = EngineFixture

    static let database = DatabasePolicy(
        name: "main",
        maxConnections: .query("max(pg_settings_max_connections)"),
        reservedConnections: .fixed(0),
        margin: .fraction(0.1),
        activeConnectionsQuery: "sum(pg_stat_activity_count{state=\"active\"})",
        budgetMaxAgeSeconds: 60
    )

    static func target(_ name: String, min: Int = 1, pool: Double = 50, signal: SignalPolicy = F.latency(seconds: 0.3))
        -> TargetPolicy
    {
        var target = TargetPolicy(
            namespace: "cms",
            name: name,
            minReplicas: min,
            maxReplicas: 20,
            signals: [signal]
        )
        target.database = DatabaseBinding(name: "main", poolSize: .fixed(pool))
        return target
    }

    /// max_connections 200 read from the exporter, 10 % kept free: 180 usable, pools of 50:
    /// ceiling 3. Latency 2 s against 0.3 s asks for ceil(3 × 1.5) = 5; the loop writes
    /// nothing, records one DownstreamLimited Event over two cycles and sets the metrics.
    @Test func budgetCeilingHoldsAndReportsOnce() async throws {
        let target = Self.target("directus")
        let queries = try #require(Self.database.queryTarget)
        let harness = LoopHarness(targets: [target], databases: [Self.database])
        harness.scaler.seed(target, spec: 3)
        harness.signals.set(target, ["p99": F.value(2.0)])
        harness.signals.set(queries, ["maxConnections": F.value(200), "activeConnections": F.value(150)])

        await harness.loop.runCycle()
        harness.clock.advance(by: .seconds(15))
        await harness.loop.runCycle()

        #expect(harness.scaler.workload(target.identity)?.specReplicas == 3)
        #expect(harness.events.reasons(for: target.identity) == [.downstreamLimited])
        let message = harness.events.recorded.first?.message ?? ""
        #expect(message.contains("ask for 5 replicas"))
        #expect(message.contains("allows 3"))
        let metrics = harness.registry.render()
        #expect(metrics.contains("headroom_database_usable_connections{database=\"main\"} 180"))
        #expect(
            metrics.contains(
                "headroom_target_downstream_limited{namespace=\"cms\",name=\"directus\",kind=\"Deployment\"} 1"
            )
        )
        #expect(
            metrics.contains(
                "headroom_target_budget_ceiling_replicas{namespace=\"cms\",name=\"directus\",kind=\"Deployment\"} 3"
            )
        )
    }

    /// When the exporter stops answering, the last budget serves for budgetMaxAge (60 s), then
    /// scale-up stops with one DownstreamBudgetUnknown Event. Demand 2 s at 2 replicas asks for
    /// 3, within the ceiling of 3, so the first cycle writes 3; from then on, with the
    /// budget unknown, a further rise (at 3 replicas asking ceil(3 × 1.5) = 5) is held.
    @Test func unknownBudgetStopsScaleUp() async throws {
        let target = Self.target("directus")
        let queries = try #require(Self.database.queryTarget)
        let harness = LoopHarness(targets: [target], databases: [Self.database])
        harness.scaler.seed(target, spec: 2)
        harness.signals.set(target, ["p99": F.value(2.0)])
        harness.signals.set(queries, ["maxConnections": F.value(200), "activeConnections": F.value(10)])
        await harness.loop.runCycle()
        #expect(harness.scaler.workload(target.identity)?.specReplicas == 3)

        harness.signals.set(
            queries,
            ["maxConnections": .failed(reason: "HTTP 503"), "activeConnections": .failed(reason: "HTTP 503")]
        )
        for _ in 0..<6 {
            harness.clock.advance(by: .seconds(15))
            await harness.loop.runCycle()
        }
        // Last good read at 0 s; kept through 60 s; unknown at 75 s and 90 s.
        #expect(harness.scaler.workload(target.identity)?.specReplicas == 3)
        #expect(harness.events.reasons(for: target.identity).filter { $0 == .downstreamBudgetUnknown }.count == 1)
        #expect(harness.registry.render().contains("headroom_database_budget_age_seconds{database=\"main\"} -1"))
        // The failed readings are logged once when they start, and unknown values read NaN.
        let warnings = harness.messages(at: .warning).filter { $0 == "database readings have no usable value" }
        #expect(warnings.count == 1)
        #expect(harness.registry.render().contains("headroom_database_usable_connections{database=\"main\"} NaN"))
        #expect(harness.registry.render().contains("headroom_database_active_connections{database=\"main\"} NaN"))
    }

    /// Two targets share 180 usable connections with pools of 10 and minimum 2 each: 40
    /// guaranteed, 140 split evenly by equal demand (both want 1,000 / 35 → 29, bounded to
    /// 20): 70 each → 2 + 7 = 9. The rate policies allow +4 per cycle (2 → 6 → 9), and the two
    /// never hold more than 180 connections together.
    @Test func sharedBudgetIsSplitWithinOneCycle() async throws {
        let first = Self.target("api", min: 2, pool: 10, signal: F.perReplica(35))
        let second = Self.target("admin", min: 2, pool: 10, signal: F.perReplica(35))
        let queries = try #require(Self.database.queryTarget)
        let harness = LoopHarness(targets: [first, second], databases: [Self.database])
        harness.scaler.seed(first, spec: 2)
        harness.scaler.seed(second, spec: 2)
        harness.signals.set(first, ["queue": F.value(1000)])
        harness.signals.set(second, ["queue": F.value(1000)])
        harness.signals.set(queries, ["maxConnections": F.value(200), "activeConnections": F.value(10)])
        var totals: [Int] = []
        for _ in 0..<4 {
            await harness.loop.runCycle()
            let api = harness.scaler.workload(first.identity)?.specReplicas ?? 0
            let admin = harness.scaler.workload(second.identity)?.specReplicas ?? 0
            totals.append((api + admin) * 10)
            harness.clock.advance(by: .seconds(15))
        }
        #expect(harness.scaler.workload(first.identity)?.specReplicas == 9)
        #expect(harness.scaler.workload(second.identity)?.specReplicas == 9)
        #expect(totals == [120, 180, 180, 180])
    }

    /// A pod Pending past its timeout is reported once with a PodsUnschedulable Event naming it.
    @Test func unschedulablePodIsReportedOnce() async {
        var target = TargetPolicy(namespace: "cms", name: "directus", maxReplicas: 10, signals: [F.perReplica(35)])
        target.coldStart = ColdStartPolicy(pendingTimeoutSeconds: 120)
        let harness = LoopHarness(targets: [target])
        harness.scaler.seed(target, spec: 3, ready: 2)
        let ready = PodState(name: "a", phase: .running, isReady: true, readySince: F.at(-600), createdAt: F.at(-700))
        var stuck = PodState(name: "c", phase: .pending, isReady: false, createdAt: F.at(-300))
        stuck.schedulingProblem = "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu"
        harness.scaler.setPods(
            target,
            [ready, PodState(name: "b", phase: .running, isReady: true, createdAt: F.at(-700)), stuck]
        )
        harness.signals.set(target, ["queue": F.value(70)])
        await harness.loop.runCycle()
        harness.clock.advance(by: .seconds(15))
        await harness.loop.runCycle()
        let events = harness.events.recorded.filter { $0.reason == .podsUnschedulable }
        #expect(events.count == 1)
        #expect(
            events.first?.message.contains("c (Unschedulable: 0/3 nodes are available: 3 Insufficient cpu)") == true
        )
        #expect(harness.registry.render().contains("state=\"unschedulable\"} 1"))
    }
}
