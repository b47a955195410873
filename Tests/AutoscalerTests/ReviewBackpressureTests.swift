import Foundation
import MetricsClient
import Testing

@testable import Autoscaler

/// Review tests for the backpressure rules: the budget ceiling, shared connections, panic, the
/// starting cap, stale readings, scheduled floors and the loader's checks.
///
/// Each test whose comment starts with "Finding" fails on the code under review. Its comment
/// gives the actual result, the expected one and the reason. The other tests pin down checked
/// behaviour. Every expected value is worked out by hand in the comment above it.
@Suite struct ReviewBackpressureTests {
    typealias F = EngineFixture
    typealias Shared = SharedCaseTimelineTests

    // MARK: - Helpers

    /// 100 usable connections: max_connections 100, nothing reserved, nothing kept free.
    static let fixedDatabase = DatabasePolicy(name: "main", maxConnections: .fixed(100), reservedConnections: .fixed(0))

    /// Returns a target of database `main` with the per-replica signal `queue` (35 per replica).
    static func member(_ name: String, min: Int = 1, pool: DatabaseValue = .fixed(10)) -> TargetPolicy {
        var target = TargetPolicy(
            namespace: "cms",
            name: name,
            minReplicas: min,
            maxReplicas: 20,
            signals: [F.perReplica(35)]
        )
        target.database = DatabaseBinding(name: "main", poolSize: pool)
        return target
    }

    /// Returns a pod that has been Ready for an hour.
    static func readyPod(_ name: String) -> PodState {
        PodState(name: name, phase: .running, isReady: true, readySince: F.at(-3600), createdAt: F.at(-3700))
    }

    /// Returns a Ready pod with a deletion timestamp.
    static func terminatingPod(_ name: String) -> PodState {
        var pod = readyPod(name)
        pod.isTerminating = true
        return pod
    }

    /// Returns a target with a scale signal and its panic copy, linked as the loader links them.
    static func withPanic(_ signal: SignalPolicy, min: Int, max: Int, panic: PanicPolicy) -> TargetPolicy {
        var copy = signal
        copy.name = PanicPolicy.signalName(for: signal.name)
        copy.role = .panic
        var target = F.target(min: min, max: max, signals: [signal, copy])
        target.panic = panic
        return target
    }

    /// Loads policy text as the file `review.yaml`.
    static func load(_ text: String) throws -> PolicyLoadResult {
        try PolicyLoader.load(text: text, file: "review.yaml")
    }

    // MARK: - Findings: connections beyond the usable budget

    /// Finding: terminating pods are booked twice when two targets rise in the same cycle.
    ///
    /// 100 usable connections and pools of 10. Both targets have min 1, run 1 replica and
    /// request 700 / 35 = 20. `admin` also has 3 terminating pods, which keep 30 connections.
    /// Guaranteed 10 + 10, and the other 80 split by equal demand: 40 each → ceiling 1 + 4 = 5.
    /// The bound for connections in use does not lower it. For api, (1 + 3) × 10 = 40 are in
    /// use → 6. For admin, 10 of api and 30 of its own terminating pods → 6. The scale-up
    /// rate allows 1 → 5 (+4 pods), so both write 5.
    ///
    /// Actual: 5 + 5 new pods plus 3 terminating = 13 pods × 10 = 130 connections. Expected:
    /// at most 100. The split hands out all 80 shared connections as if no terminating pod kept
    /// any, and each bound assumes that the other target keeps its count.
    @Test func terminatingPodsBookedTwice() async {
        let api = Self.member("api")
        let admin = Self.member("admin")
        let harness = LoopHarness(targets: [api, admin], databases: [Self.fixedDatabase])
        harness.scaler.seed(api, spec: 1)
        harness.scaler.seed(admin, spec: 1)
        harness.scaler.setPods(api, [Self.readyPod("api-a")])
        harness.scaler.setPods(
            admin,
            [Self.readyPod("admin-a")] + (1...3).map { Self.terminatingPod("admin-old-\($0)") }
        )
        harness.signals.set(api, ["queue": F.value(700)])
        harness.signals.set(admin, ["queue": F.value(700)])

        await harness.loop.runCycle()

        let apiCount = harness.scaler.workload(api.identity)?.specReplicas ?? 0
        let adminCount = harness.scaler.workload(admin.identity)?.specReplicas ?? 0
        #expect((apiCount + adminCount + 3) * 10 <= 100)
    }

    /// Finding: a target whose pool size cannot be read is left out of the split, so the
    /// other targets count on the connections of its running pods.
    ///
    /// `api` runs 8 pods with pools of 10 (80 connections), but its pool-size query fails.
    /// `admin` (pool 10, min 1, at 1) requests 700 / 35 = 20. Without api, admin alone claims
    /// the 100 usable connections: guaranteed 10 + the other 90 → ceiling 10. Cycle 1 goes
    /// 1 → 5 (+4), and cycle 2 goes 5 → 10 (+100 %).
    ///
    /// Actual: admin's 10 pods (100) + api's 8 pods (80) = 180 connections. Expected: admin at
    /// most (100 − 80) / 10 = 2, because docs/backpressure.md states that a ceiling "never
    /// counts on connections that other targets hold now".
    @Test func unknownPoolSizeConnectionsIgnored() async {
        let api = Self.member("api", pool: .query("max(directus_db_pool_max)"))
        let admin = Self.member("admin")
        let harness = LoopHarness(targets: [api, admin], databases: [Self.fixedDatabase])
        harness.scaler.seed(api, spec: 8)
        harness.scaler.seed(admin, spec: 1)
        harness.signals.set(
            api,
            ["queue": F.value(280), PolicyReader.poolSizeSignalName: .failed(reason: "HTTP 503")]
        )
        harness.signals.set(admin, ["queue": F.value(700)])

        for _ in 0..<2 {
            await harness.loop.runCycle()
            harness.clock.advance(by: .seconds(15))
        }

        #expect(harness.scaler.workload(api.identity)?.specReplicas == 8)
        let adminCount = harness.scaler.workload(admin.identity)?.specReplicas ?? 0
        #expect(adminCount * 10 + 8 * 10 <= 100)
    }

    /// Finding: a target whose workload read failed is left out of the split in the same way.
    ///
    /// The numbers are those of the test above, but api's pool is a fixed 10 and the read of
    /// its scale subresource fails. Its 8 pods still keep 80 connections. Actual: admin rises
    /// 1 → 5 → 10, so 180 connections are open. Expected: admin at most 2.
    @Test func failedReadConnectionsIgnored() async {
        let api = Self.member("api")
        let admin = Self.member("admin")
        let harness = LoopHarness(targets: [api, admin], databases: [Self.fixedDatabase])
        harness.scaler.seed(api, spec: 8)
        harness.scaler.seed(admin, spec: 1)
        harness.scaler.failReads(of: api.identity)
        harness.signals.set(api, ["queue": F.value(280)])
        harness.signals.set(admin, ["queue": F.value(700)])

        for _ in 0..<2 {
            await harness.loop.runCycle()
            harness.clock.advance(by: .seconds(15))
        }

        let adminCount = harness.scaler.workload(admin.identity)?.specReplicas ?? 0
        #expect(adminCount * 10 + 8 * 10 <= 100)
    }

    /// Finding: the surge pods of a rollout keep connections, but the split counts only
    /// `spec.replicas`.
    ///
    /// `admin` has spec 5 in the middle of a rollout: 6 Ready pods, none terminating yet (the
    /// surge pod is Ready and the old one is not deleted yet). Its demand 175 / 35 = 5 is
    /// within tolerance. `api` (min 1, at 1) requests 20. Guaranteed 20, and the other 80
    /// split 190 : 40 → api 66.1 → ceiling 1 + 6 = 7. Admin's connections count as
    /// 5 × 10 = 50 → ceiling 5. The rate allows 1 → 5.
    ///
    /// Actual: api's 5 pods (50) + admin's 6 pods (60) = 110 connections. Expected: api at
    /// most (100 − 60) / 10 = 4, because all 6 pods of admin keep connections now.
    @Test func surgePodConnectionsIgnored() async {
        let api = Self.member("api")
        let admin = Self.member("admin")
        let harness = LoopHarness(targets: [api, admin], databases: [Self.fixedDatabase])
        harness.scaler.seed(api, spec: 1)
        harness.scaler.seed(admin, spec: 5, ready: 6)
        harness.scaler.setPods(admin, (1...6).map { Self.readyPod("admin-\($0)") })
        harness.signals.set(api, ["queue": F.value(700)])
        harness.signals.set(admin, ["queue": F.value(175)])

        await harness.loop.runCycle()

        #expect(harness.scaler.workload(admin.identity)?.specReplicas == 5)
        let apiCount = harness.scaler.workload(api.identity)?.specReplicas ?? 0
        #expect((apiCount + 6) * 10 <= 100)
    }

    // MARK: - Findings: panic

    /// Finding: a panic on a latency signal adds pods while the database is saturated.
    ///
    /// This is the worked example of docs/backpressure.md: a fleet of 2 with ceiling 3 (180
    /// usable, pools of 50). 180 connections are active (100 % ≥ 90 %) and 7 clients wait in
    /// the pools. That is DownstreamBound, so the p99 signal is set aside and the fleet stays
    /// at 2. Here p99 (target 300 ms, maxStepFactor 2) also feeds panic with the default
    /// threshold 2. Its short window reads 2 s, 6.7× the target, stepped to 2 →
    /// ceil(2 × 2) = 4 ≥ 2 × 2 Ready. So panic starts and proposes 4, which the ceiling cuts
    /// to 3.
    ///
    /// Actual: 3. Expected: 2. The reference sets latency and error signals aside while
    /// DownstreamBound lasts, because more pods only add connections. The panic copy of the
    /// latency signal is the same measurement over a shorter window.
    @Test func latencyPanicScalesOutWhileBound() {
        var base = Shared.c26Target()
        base.signals[0].maxStepFactor = 2
        var target = Self.withPanic(
            base.signals[0],
            min: 1,
            max: 20,
            panic: PanicPolicy(signal: "p99", windowSeconds: 30)
        )
        target.signals += base.signals.dropFirst()
        target.database = base.database
        let share = Shared.share(
            Shared.c26Database,
            target: target,
            readings: ["activeConnections": F.value(180)],
            current: 2,
            wanted: 4
        )
        #expect(share?.ceiling == 3)
        #expect(share?.status.saturated == true)

        let decision = DecisionEngine.decide(
            target: target,
            outcomes: [
                "p99": F.value(2.0), "p99@panic": F.value(2.0), "pool": F.value(0.8), "poolWaiting": F.value(7),
            ],
            specReplicas: 2,
            readyReplicas: 2,
            budget: share,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.conditions.downstreamBound)
        #expect(decision.desiredReplicas == 2)
    }

    /// Evidence for the next finding. With the default maxStepFactor 1.5 and every pod Ready,
    /// a latency signal proposes at most ceil(Ready × 1.5). That is below the default panic
    /// threshold of 2 × Ready once 2 or more pods are Ready. 4 Ready pods and a short-window
    /// p99 at 10× its target propose ceil(4 × 1.5) = 6 < 8, so panic does not start. The
    /// normal step goes to 6.
    @Test func latencyPanicNeverStarts() {
        let target = Self.withPanic(
            F.latency(seconds: 0.3),
            min: 1,
            max: 50,
            panic: PanicPolicy(signal: "p99", windowSeconds: 30)
        )
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["p99": F.value(3.0), "p99@panic": F.value(3.0)],
            specReplicas: 4,
            readyReplicas: 4,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.conditions.panicking == false)
        #expect(decision.desiredReplicas == 6)
    }

    /// Finding: the loader accepts a panic that can never start.
    ///
    /// `panic.signal` names the ingressNginxP99Latency preset (rule latencyStep, maxStepFactor
    /// 1.5) with the default threshold 2. As shown above, its proposal never reaches twice the
    /// Ready pods once 2 or more are Ready and none is starting. Actual: no problem. Expected: a problem under
    /// `targets[0].panic` stating that the threshold is above the signal's maxStepFactor, with
    /// the fix (a per-replica signal, a lower threshold or a larger maxStepFactor).
    @Test func unreachablePanicAccepted() throws {
        let result = try Self.load(
            """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - namespace: cms
                name: directus
                maxReplicas: 10
                signals:
                  - {name: requests, preset: ingressNginxRequestRate}
                  - {name: p99, preset: ingressNginxP99Latency}
                panic: {signal: p99}
            """
        )
        #expect(result.problems.contains { $0.path.hasPrefix("targets[0].panic") })
    }

    /// Finding: the loader accepts a panic window longer than the signal's own window.
    ///
    /// The signal reads `rate(...[1m])`, and `panic.window: 5m` replaces that range with 5
    /// minutes. So the "short" window is five times longer than the stable one, and it reacts
    /// later, not sooner. The lookahead never projects either, because the gap between the two
    /// windows' middles is negative. Actual: no problem. Expected: a problem at
    /// `targets[0].panic.window` that requires a window shorter than 1m.
    @Test func longPanicWindowAccepted() throws {
        let result = try Self.load(
            """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - namespace: cms
                name: directus
                maxReplicas: 10
                signals:
                  - {name: requests, query: 'sum(rate(http_requests_total{namespace="{{namespace}}"}[1m]))',
                     target: "50", rule: perReplica}
                panic: {signal: requests, window: 5m}
            """
        )
        #expect(result.problems.contains { $0.path == "targets[0].panic.window" })
    }

    // MARK: - Findings: stale readings

    /// Finding: the saturation verdict is dropped the moment the active-connections query
    /// fails, so latency scales out a saturated database.
    ///
    /// The database of shared case C26: 200 − 10 % = 180 usable, pools of 50, and ceiling 3
    /// for a fleet of 2.
    /// - 0 s: 180 active (100 %) and 7 pool waiters: DownstreamBound, p99 2 s set aside, 2.
    /// - 15 s: the active-connections query fails. A saturated PostgreSQL rejects the
    ///   exporter's new connection unless it uses a reserved slot (docs/backpressure.md).
    ///   Nothing else changed: p99 2 s and 7 waiters.
    ///
    /// Actual: at 15 s the database counts as not saturated, so p99 proposes
    /// ceil(2 × 1.5) = 3, which is written. Expected: 2. The last verdict should last as long
    /// as the last good budget (budgetMaxAge 120 s), which is kept for this very failure.
    @Test func saturationDroppedOnFailedRead() {
        let target = Shared.c26Target()
        var memory = DatabaseMemory()
        var current = 2
        var state = F.settled
        var counts: [Int] = []
        let readings: [[String: SampleOutcome]] = [
            ["activeConnections": F.value(180)], ["activeConnections": .failed(reason: "connection refused")],
        ]
        for (index, reading) in readings.enumerated() {
            let now = F.at(Double(index) * 15)
            let (status, next) = ConnectionBudget.evaluate(
                Shared.c26Database,
                readings: reading,
                memory: memory,
                now: now
            )
            memory = next
            let share = ConnectionBudget.allocate(
                status,
                claims: [
                    BudgetClaim(
                        target: target.identity,
                        minReplicas: 1,
                        currentReplicas: current,
                        poolSize: 50,
                        wantedReplicas: 3
                    )
                ]
            )[target.identity]
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: ["p99": F.value(2.0), "pool": F.value(0.8), "poolWaiting": F.value(7)],
                specReplicas: current,
                readyReplicas: current,
                budget: share,
                history: state,
                now: now
            )
            state = decision.history
            if decision.shouldWrite { current = decision.desiredReplicas }
            counts.append(current)
        }
        #expect(counts == [2, 2])
    }

    /// Finding: an absurd reading traps the controller. `ConnectionBudget.evaluate` converts
    /// the budget to `Int` without a range check. So an `otherClients` query that returns 1e19
    /// (a wrong metric, such as bytes) stops the process.
    ///
    /// Expected: 200 − 3 reserved − 1e19 is negative, so 0 usable connections.
    @Test func hugeOtherClientsTraps() async {
        await #expect(processExitsWith: .success) {
            let database = DatabasePolicy(
                name: "main",
                maxConnections: .fixed(200),
                otherClients: .query("sum(pg_stat_activity_count{application_name!=\"directus\"})")
            )
            let (status, _) = ConnectionBudget.evaluate(
                database,
                readings: ["otherClients": .value(1e19, age: .seconds(5))],
                memory: DatabaseMemory(),
                now: Date(timeIntervalSince1970: 1_800_000_000)
            )
            if status.usable != 0 { exit(1) }
        }
    }

    /// Finding: the loop converts a queried pool size to `Int` without a range check, so a
    /// pool-size query that returns 1e19 traps the controller.
    ///
    /// Expected: one pod already needs more than the 100 usable connections. So the target,
    /// at 1 with a request for 175 / 35 = 5, stays at 1.
    @Test func hugePoolSizeTraps() async {
        await #expect(processExitsWith: .success) {
            var target = TargetPolicy(
                namespace: "cms",
                name: "directus",
                maxReplicas: 20,
                signals: [EngineFixture.perReplica(35)]
            )
            target.database = DatabaseBinding(name: "main", poolSize: .query("max(directus_db_pool_max)"))
            let database = DatabasePolicy(name: "main", maxConnections: .fixed(100), reservedConnections: .fixed(0))
            let harness = LoopHarness(targets: [target], databases: [database])
            harness.scaler.seed(target, spec: 1)
            harness.signals.set(
                target,
                ["queue": .value(175, age: .seconds(5)), PolicyReader.poolSizeSignalName: .value(1e19, age: nil)]
            )
            await harness.loop.runCycle()
            if harness.scaler.workload(target.identity)?.specReplicas != 1 { exit(1) }
        }
    }

    // MARK: - Findings: starting cap and loader

    /// Finding: the pods that a rollout starts do not count toward the starting cap.
    ///
    /// maxStartingPods 2, and spec 8 with 8 Ready pods and 2 surge pods Pending for 10 s. The
    /// demand is 490 / 35 = 14. Starting pods are counted as spec − Ready − unschedulable =
    /// 8 − 8 − 0 = 0, so the room is 2 and the target goes to 10.
    ///
    /// Actual: 10, which leaves 2 surge + 2 new = 4 pods not Ready at once, with up to 4 pools
    /// of new connections. Expected: 8. The table in docs/backpressure.md defines the cap as
    /// "the most pods that may be starting (not yet Ready) at once". The cap's purpose is the
    /// bound of cap × DB_POOL__MAX new connections per startup period.
    @Test func startingCapIgnoresSurgePods() {
        var target = F.target(min: 2, max: 20, signals: [F.perReplica(35)])
        target.coldStart = ColdStartPolicy(maxStartingPods: .pods(2))
        let surge = (1...2).map { PodState(name: "new-\($0)", phase: .pending, isReady: false, createdAt: F.at(-10)) }
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["queue": F.value(490)],
            specReplicas: 8,
            readyReplicas: 8,
            pods: (1...8).map { Self.readyPod("old-\($0)") } + surge,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.desiredReplicas == 8)
    }

    /// Finding: `superuser_reserved_connections` at or above `max_connections` is not reported
    /// on its field. PostgreSQL stops at start-up unless the setting is less than
    /// max_connections. With 100 and 150 the budget is 100 − 150 = −50 connections.
    ///
    /// Actual: the only problem is on `targets[0].minReplicas`, with "-50 usable" connections.
    /// Without a target, the database loads with no problem at all. Expected: a problem at
    /// `databases[0].reservedConnections` that names 150 and max_connections 100.
    @Test func reservedAboveMaxUnreported() throws {
        let result = try Self.load(
            """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            databases: [{name: main, maxConnections: 100, reservedConnections: 150}]
            targets:
              - namespace: cms
                name: directus
                maxReplicas: 10
                signals: [{preset: bullmqWaitingJobs}]
                database: {name: main, poolSize: 10}
            """
        )
        let problem = result.problems.first { $0.path == "databases[0].reservedConnections" }
        #expect(problem?.message.contains("150") == true)
        #expect(problem?.message.contains("100") == true)
    }

    // MARK: - Checked and held

    /// The ceiling never forces a scale-down. Ceiling 3, current 6, scale-down window 0:
    /// - 280 / 35 = 8 requests more: kept at max(3, 6) = 6, DownstreamLimited.
    /// - 140 / 35 = 4 requests fewer: 4, the signals' proposal.
    @Test func ceilingNeverForcesScaleDown() {
        var target = F.target(
            max: 20,
            signals: [F.perReplica(35)],
            behavior: ScalingBehavior(
                scaleDown: ScalingRules(
                    stabilizationWindowSeconds: 0,
                    selectPolicy: .max,
                    policies: [RatePolicy(type: .percent, value: 100, periodSeconds: 15)],
                    tolerance: 0.1
                )
            )
        )
        target.database = DatabaseBinding(name: "main", poolSize: .fixed(10))
        let share = BudgetShare(
            database: "main",
            ceiling: 3,
            poolSize: 10,
            guaranteed: 10,
            status: DatabaseStatus(name: "main", usable: 30, freshness: .current)
        )
        let decide = { (value: Double) in
            DecisionEngine.decide(
                target: target,
                outcomes: ["queue": F.value(value)],
                specReplicas: 6,
                readyReplicas: 6,
                budget: share,
                history: F.settled,
                now: F.at(0)
            )
        }
        #expect(decide(280).desiredReplicas == 6)
        #expect(decide(280).reason == .downstreamLimited)
        #expect(decide(140).desiredReplicas == 4)
        #expect(decide(140).conditions.downstreamLimited == false)
    }

    /// Unready, Pending and Terminating pods do not make an overloaded target scale down.
    /// Spec 10: 3 Ready, 4 Terminating and 3 Pending for 10 s. p99 0.6 s against 0.3 s steps
    /// by 1.5 from the 3 Ready pods: ceil(3 × 1.5) = 5. That is below 10 while overloaded, so
    /// 10 is kept.
    @Test func unreadyPodsKeepOverloadedSize() {
        let target = F.target(max: 20, signals: [F.latency(seconds: 0.3)])
        let pods =
            (1...3).map { Self.readyPod("ready-\($0)") } + (1...4).map { Self.terminatingPod("old-\($0)") }
            + (1...3).map { PodState(name: "new-\($0)", phase: .pending, isReady: false, createdAt: F.at(-10)) }
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["p99": F.value(0.6)],
            specReplicas: 10,
            readyReplicas: 3,
            pods: pods,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.desiredReplicas == 10)
        #expect(decision.conditions.pods?.terminating == 4)
        #expect(decision.conditions.pods?.starting == 7)
    }

    /// With the budget unknown, scale-up stops (350 / 35 = 10 is held at 6) but scale-down
    /// still follows the signals (70 / 35 = 2, scale-down window 0).
    @Test func unknownBudgetStopsOnlyScaleUp() {
        var target = F.target(
            max: 20,
            signals: [F.perReplica(35)],
            behavior: ScalingBehavior(
                scaleDown: ScalingRules(
                    stabilizationWindowSeconds: 0,
                    selectPolicy: .max,
                    policies: [RatePolicy(type: .percent, value: 100, periodSeconds: 15)],
                    tolerance: 0.1
                )
            )
        )
        target.database = DatabaseBinding(name: "main", poolSize: .fixed(10))
        let share = BudgetShare(
            database: "main",
            ceiling: nil,
            poolSize: 10,
            guaranteed: 10,
            status: DatabaseStatus(name: "main", usable: nil, freshness: .unknown(reason: "no reading"))
        )
        let decide = { (value: Double) in
            DecisionEngine.decide(
                target: target,
                outcomes: ["queue": F.value(value)],
                specReplicas: 6,
                readyReplicas: 6,
                budget: share,
                history: F.settled,
                now: F.at(0)
            )
        }
        #expect(decide(350).desiredReplicas == 6)
        #expect(decide(350).reason == .downstreamBudgetUnknown)
        #expect(decide(70).desiredReplicas == 2)
    }

    /// Panic does not start on a stale short window. 700 / 35 = 20 ≥ 2 × 4 would start it, but
    /// the sample is 200 s old against maxSampleAge 120 s. The stable 140 / 35 = 4 stays.
    @Test func panicIgnoresStaleWindow() {
        let target = Self.withPanic(
            F.perReplica(35, name: "rate"),
            min: 2,
            max: 50,
            panic: PanicPolicy(signal: "rate", windowSeconds: 30)
        )
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["rate": F.value(140), "rate@panic": .value(700, age: .seconds(200))],
            specReplicas: 4,
            readyReplicas: 4,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.conditions.panicking == false)
        #expect(decision.desiredReplicas == 4)
    }

    /// The projection stays bounded for huge inputs. A short window of 1e308/s against a
    /// stable 1e300/s overflows the projection to +inf, and the clamp turns that into
    /// maxReplicas 50 instead of a trap.
    @Test func hugeProjectionStopsAtMax() {
        let target = Self.withPanic(
            F.perReplica(35, name: "rate"),
            min: 2,
            max: 50,
            panic: PanicPolicy(signal: "rate", windowSeconds: 30, lookaheadSeconds: 15, signalWindowSeconds: 60)
        )
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["rate": F.value(1e300), "rate@panic": F.value(1e308)],
            specReplicas: 4,
            readyReplicas: 4,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.desiredReplicas == 50)
        #expect(decision.reason == .panicMode)
    }

    /// After panic, the default 300 s scale-down window keeps the panic count, because each
    /// cycle whose scale-down panic blocked records the kept count.
    /// - 0 s: 140 / 35 = 4, within tolerance. 15 s: the short window reads 420 →
    ///   ceil(420 / 35) = 12 ≥ 2 × 4: panic, 12.
    /// - 30–60 s: the stable 150/s proposes ceil(150 / 35) = 5. Panic blocks it, and 12 is
    ///   recorded. 75 s: 60 s after the last trigger, panic ends. The window's highest
    ///   recommendation is 12 (at 60 s), so 12 stays while that record is younger than 300 s.
    /// - 360 s: the record of 60 s is 300 s old and leaves the window: 5.
    @Test func downWindowKeepsPanicCount() {
        let target = Self.withPanic(
            F.perReplica(35, name: "rate"),
            min: 2,
            max: 50,
            panic: PanicPolicy(signal: "rate", windowSeconds: 30)
        )
        var current = 4
        var state = F.settled
        var counts: [Int] = []
        var panicking: [Bool] = []
        for time in stride(from: 0.0, through: 375, by: 15) {
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: [
                    "rate": F.value(time == 0 ? 140 : 150), "rate@panic": F.value(time == 15 ? 420 : 140),
                ],
                specReplicas: current,
                readyReplicas: current,
                history: state,
                now: F.at(time)
            )
            state = decision.history
            if decision.shouldWrite { current = decision.desiredReplicas }
            counts.append(current)
            panicking.append(decision.conditions.panicking)
        }
        #expect(counts == [4] + Array(repeating: 12, count: 23) + [5, 5])
        #expect(panicking == [false, true, true, true, true] + Array(repeating: false, count: 21))
    }

    /// A shrinking budget neither forces a scale-down nor lets a target take connections that
    /// others keep. Two targets with 9 pods of 10 keep 180, and max_connections drops to 100.
    /// api requests 420 / 35 = 12. Its ceiling is min(1 + 4, (100 − 90) / 10 = 1) = 1, so it
    /// stays at max(1, 9) = 9 with one DownstreamLimited Event. admin (315 / 35 = 9) stays at 9.
    @Test func shrinkingBudgetKeepsBothCounts() async throws {
        let database = DatabasePolicy(
            name: "main",
            maxConnections: .query("max(pg_settings_max_connections)"),
            reservedConnections: .fixed(0)
        )
        let api = Self.member("api")
        let admin = Self.member("admin")
        let harness = LoopHarness(targets: [api, admin], databases: [database])
        harness.scaler.seed(api, spec: 9)
        harness.scaler.seed(admin, spec: 9)
        harness.signals.set(api, ["queue": F.value(420)])
        harness.signals.set(admin, ["queue": F.value(315)])
        harness.signals.set(try #require(database.queryTarget), ["maxConnections": F.value(100)])

        await harness.loop.runCycle()

        #expect(harness.scaler.workload(api.identity)?.specReplicas == 9)
        #expect(harness.scaler.workload(admin.identity)?.specReplicas == 9)
        #expect(harness.events.reasons(for: api.identity) == [.downstreamLimited])
    }

    /// A daily 12:00–13:00 Europe/Berlin floor of 6 across the spring-forward change of
    /// 2026-03-29 01:00 UTC. The demand alone proposes 70 / 35 = 2.
    /// - Sat 2026-03-28 (CET, UTC+1): 10:30 UTC is 11:30 local → 2; 11:00 UTC is 12:00 → 6.
    /// - Sun 2026-03-29 (CEST, UTC+2): 10:00 UTC is 12:00 local → 6; 11:00 UTC is 13:00,
    ///   the end, excluded → 2.
    @Test func dailyFloorAcrossSpringForward() throws {
        var target = F.target(min: 2, max: 20, signals: [F.perReplica(35)])
        target.schedules = [
            ScheduledFloor(
                name: "lunch",
                replicas: 6,
                timeZone: try #require(TimeZone(identifier: "Europe/Berlin")),
                timing: .daily(
                    start: .init(hour: 12, minute: 0),
                    end: .init(hour: 13, minute: 0),
                    days: ScheduledFloor.Weekday.allCases
                )
            )
        ]
        let cases: [(String, Int)] = [
            ("2026-03-28T10:30:00Z", 2), ("2026-03-28T11:00:00Z", 6),
            ("2026-03-29T10:00:00Z", 6), ("2026-03-29T11:00:00Z", 2),
        ]
        for (instant, expected) in cases {
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: ["queue": F.value(70)],
                specReplicas: 2,
                readyReplicas: 2,
                history: ScalingHistory(),
                now: try Date(instant, strategy: .iso8601)
            )
            #expect(decision.desiredReplicas == expected, "at \(instant)")
        }
    }

    /// A scheduled floor does not rise while the budget is unknown: floor 6, current 2 and no
    /// ceiling → 2 (DownstreamBudgetUnknown).
    @Test func floorWaitsForUnknownBudget() {
        var target = F.target(min: 2, max: 20, signals: [F.perReplica(35)])
        target.schedules = [
            ScheduledFloor(
                name: "sale",
                replicas: 6,
                timing: .once(start: .instant(F.at(-60)), end: .instant(F.at(600)))
            )
        ]
        target.database = DatabaseBinding(name: "main", poolSize: .fixed(10))
        let share = BudgetShare(
            database: "main",
            ceiling: nil,
            poolSize: 10,
            guaranteed: 20,
            status: DatabaseStatus(name: "main", usable: nil, freshness: .unknown(reason: "no reading"))
        )
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["queue": F.value(70)],
            specReplicas: 2,
            readyReplicas: 2,
            budget: share,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.desiredReplicas == 2)
        #expect(decision.reason == .downstreamBudgetUnknown)
        #expect(decision.conditions.scheduledFloor == 6)
    }
}
