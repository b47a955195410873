import Foundation
import MetricsClient
import Testing

@testable import Autoscaler

/// Warm-up, the starting cap, Pending pods, the budget split and panic mode, each with values
/// worked out by hand.
@Suite struct BackpressureRuleTests {
    typealias F = EngineFixture
    typealias Pod = SharedCaseTimelineTests

    /// Warming pods count at their partial capacity for a fleet-wide ratio rule. Warm-up 30 s
    /// from 50 %: pods Ready 15 s ago have 0.5 + 0.5 × 15 / 30 = 0.75 capacity, so 2 warm and 2
    /// warming pods are 3.5 pods of capacity. Latency at 2× target steps by 1.5:
    /// ceil(3.5 × 1.5) = 6, where counting every Ready pod would give ceil(4 × 1.5) = 6 too; at
    /// 1.3× target: ceil(3.5 × 1.3) = 5 against ceil(4 × 1.3) = 6.
    @Test func fleetWideRatioRuleDiscountsWarmingPods() {
        var target = F.target(max: 20, signals: [F.latency(seconds: 0.5)])
        target.coldStart = ColdStartPolicy(warmupSeconds: 30, initialCapacity: 0.5)
        let pods = [
            Pod.pod("a", readyAt: -600), Pod.pod("b", readyAt: -600),
            Pod.pod("c", readyAt: -15), Pod.pod("d", readyAt: -15),
        ]
        let decide = { (value: Double, pods: [PodState]?) in
            DecisionEngine.decide(
                target: target,
                outcomes: ["p99": F.value(value)],
                specReplicas: 4,
                readyReplicas: 4,
                pods: pods,
                history: F.settled,
                now: F.at(0)
            )
        }
        #expect(decide(0.65, pods).desiredReplicas == 5)
        #expect(decide(0.65, nil).desiredReplicas == 6)
        #expect(decide(0.65, pods).conditions.pods?.capacity == 3.5)
        // 0.55 s is within the 10 % tolerance of 0.5 s: no change whatever the capacity.
        #expect(decide(0.55, pods).desiredReplicas == 4)
    }

    /// A per-pod utilization signal with pods still starting, as the HPA's replica calculator
    /// counts them: 2 warm pods at 75 % utilization against a 50 % target and 2 starting pods.
    /// Filling the starting pods in at 0 gives a usage ratio of (0.75 + 0.75) / (0.5 × 4) =
    /// 0.75 < 1, which flips the direction, so the count is kept (4). At 125 % each:
    /// 2.5 / 2 = 1.25 → ceil(4 × 1.25) = 5.
    @Test func perPodSignalFillsInStartingPodsAsZeroForScaleUp() {
        var target = F.target(max: 20, signals: [F.utilization(fraction: 0.5).scoped(.pod)])
        target.coldStart = ColdStartPolicy(warmupSeconds: 30)
        let pods = [
            Pod.pod("a", readyAt: -600), Pod.pod("b", readyAt: -600),
            Pod.pod("c", readyAt: nil, createdAt: -5), Pod.pod("d", readyAt: nil, createdAt: -5),
        ]
        let decide = { (each: Double) in
            DecisionEngine.decide(
                target: target,
                outcomes: ["cpu": .perPod(["a": F.value(each), "b": F.value(each)])],
                specReplicas: 4,
                readyReplicas: 2,
                pods: pods,
                history: F.settled,
                now: F.at(0)
            )
        }
        #expect(decide(0.75).desiredReplicas == 4)
        #expect(decide(1.25).desiredReplicas == 5)
        #expect(decide(1.25).conditions.pods?.starting == 2)
    }

    /// Starting cap of 2 pods with pools of 10: each step waits for earlier pods to be Ready.
    /// 4 Ready pods, demand for 10 (350 requests/s at 35 per replica):
    /// - 0 s: nothing starting, room 2 → 6.
    /// - 15 s: 2 starting (6 − 4 Ready) → room 0 → 6.
    /// - 30 s: those 2 Ready → room 2 → 8.
    /// - 45 s: Ready still 6 → 8.  60 s: 8 Ready → 10.
    /// At most 2 pods start per startup period, so at most 2 × 10 = 20 new database connections.
    @Test func startingCapWaitsForEarlierPods() {
        var target = F.target(min: 2, max: 20, signals: [F.perReplica(35, name: "rate")])
        target.coldStart = ColdStartPolicy(maxStartingPods: .pods(2))
        let readyAt: [Double: Int] = [0: 4, 15: 4, 30: 6, 45: 6, 60: 8, 75: 10]
        var current = 4
        var state = F.settled
        var counts: [Int] = []
        var starting: [Int] = []
        for time in stride(from: 0.0, through: 75, by: 15) {
            let ready = readyAt[time] ?? current
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: ["rate": F.value(350)],
                specReplicas: current,
                readyReplicas: ready,
                history: state,
                now: F.at(time)
            )
            state = decision.history
            if decision.shouldWrite { current = decision.desiredReplicas }
            counts.append(current)
            starting.append(current - ready)
        }
        #expect(counts == [6, 6, 8, 8, 10, 10])
        #expect(starting.allSatisfy { $0 <= 2 })
        #expect(starting.max().map { $0 * 10 } == 20)
    }

    /// The cap as a share of Ready pods: 25 % of 10 Ready pods is ceil(2.5) = 3.
    @Test func percentStartingCapRoundsUp() {
        #expect(StartingCap.percent(25).limit(readyPods: 10) == 3)
        #expect(StartingCap.percent(25).limit(readyPods: 0) == 1)
        #expect(StartingCap.pods(4).limit(readyPods: 100) == 4)
    }

    /// A pod Pending past the 300 s timeout is reported and left out of the starting pods, so
    /// the cap of 1 lets one new pod start: spec 3 = 2 Ready + 1 stuck → 0 starting → 4.
    @Test func podPendingPastTimeoutIsExcludedAndReported() {
        var target = F.target(max: 20, signals: [F.perReplica(35, name: "rate")])
        target.coldStart = ColdStartPolicy(pendingTimeoutSeconds: 300, maxStartingPods: .pods(1))
        var stuck = Pod.pod("c", readyAt: nil, createdAt: -400)
        stuck.schedulingProblem = "Unschedulable: 0/3 nodes are available"
        let pods = [Pod.pod("a", readyAt: -600), Pod.pod("b", readyAt: -600), stuck]
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["rate": F.value(350)],
            specReplicas: 3,
            readyReplicas: 2,
            pods: pods,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.conditions.pods?.unschedulable == ["c (Unschedulable: 0/3 nodes are available)"])
        #expect(decision.conditions.pods?.starting == 0)
        #expect(decision.desiredReplicas == 4)
        #expect(decision.reason == .startingPodsLimit)
    }

    /// Two targets share 100 usable connections, pools of 10. A (min 2, at 2) wants 10, B
    /// (min 1, at 1) wants 4. Guaranteed 20 + 10 = 30; the other 70 split by demand above the
    /// minimum, 80 : 30 connections: A gets 70 × 80 / 110 = 50.9 → 2 + 5 = 7; B gets 19.1 →
    /// 1 + 1 = 2. 7 + 2 pods hold 90 connections, within 100.
    @Test func budgetSplitsByDemandAboveGuaranteedMinimum() {
        let status = DatabaseStatus(name: "main", usable: 100, freshness: .current)
        let shares = ConnectionBudget.allocate(
            status,
            claims: [
                BudgetClaim(target: "A", minReplicas: 2, currentReplicas: 2, poolSize: 10, wantedReplicas: 10),
                BudgetClaim(target: "B", minReplicas: 1, currentReplicas: 1, poolSize: 10, wantedReplicas: 4),
            ]
        )
        #expect(shares["A"]?.ceiling == 7)
        #expect(shares["B"]?.ceiling == 2)
        #expect(shares["A"]?.guaranteed == 20)
    }

    /// A ceiling never counts on connections others hold now: B sits at 6 pods (60
    /// connections) above its share; A's proportional share would be 2 + floor(70 / 10) = 9,
    /// but only 100 − 60 = 40 are free, so A's ceiling is 4. A terminating pod of A holds 10
    /// more: 3.
    @Test func ceilingLeavesConnectionsOthersHold() {
        let status = DatabaseStatus(name: "main", usable: 100, freshness: .current)
        var claims = [
            BudgetClaim(target: "A", minReplicas: 2, currentReplicas: 2, poolSize: 10, wantedReplicas: 12),
            BudgetClaim(target: "B", minReplicas: 1, currentReplicas: 6, poolSize: 10, wantedReplicas: 1),
        ]
        #expect(ConnectionBudget.allocate(status, claims: claims)["A"]?.ceiling == 4)
        claims[0].terminatingPods = 1
        #expect(ConnectionBudget.allocate(status, claims: claims)["A"]?.ceiling == 3)
    }

    /// Minimums that need 3 × 50 + 1 × 50 = 200 connections out of 180: every target of the
    /// database is flagged. A's ceiling is what is free beside B's 50: floor(130 / 50) = 2,
    /// below its minimum of 3, which the engine still never writes below.
    @Test func minimumAboveShareIsFlagged() {
        let status = DatabaseStatus(name: "main", usable: 180, freshness: .current)
        let shares = ConnectionBudget.allocate(
            status,
            claims: [
                BudgetClaim(target: "A", minReplicas: 3, currentReplicas: 3, poolSize: 50, wantedReplicas: 3),
                BudgetClaim(target: "B", minReplicas: 1, currentReplicas: 1, poolSize: 50, wantedReplicas: 1),
            ]
        )
        #expect(shares["A"]?.minimumExceedsShare == true)
        #expect(shares["A"]?.ceiling == 2)
        #expect(shares["B"]?.minimumExceedsShare == true)
    }

    /// Budget read from the Postgres exporter: max_connections 100, reserved 3, no margin:
    /// 97 usable. The last good read is at 15 s; from 30 s the queries fail and the last budget
    /// is kept while it is at most the 120 s budgetMaxAge old (through 135 s), then it is
    /// unknown and scale-up stops.
    @Test func staleBudgetIsKeptThenScaleUpStops() {
        let database = DatabasePolicy(
            name: "main",
            maxConnections: .query("max(pg_settings_max_connections)"),
            reservedConnections: .query("max(pg_settings_superuser_reserved_connections)")
        )
        let good: [String: SampleOutcome] = ["maxConnections": F.value(100), "reservedConnections": F.value(3)]
        let failed: [String: SampleOutcome] = [
            "maxConnections": .failed(reason: "HTTP 503"), "reservedConnections": .failed(reason: "HTTP 503"),
        ]
        var memory = DatabaseMemory()
        var usable: [Int?] = []
        var unknownAt: [Double] = []
        for time in stride(from: 0.0, through: 180, by: 15) {
            let (status, next) = ConnectionBudget.evaluate(
                database,
                readings: time <= 15 ? good : failed,
                memory: memory,
                now: F.at(time)
            )
            memory = next
            usable.append(status.usable)
            if case .unknown = status.freshness { unknownAt.append(time) }
        }
        // Good at 0 and 15; kept while age <= 120 s, so through 135 s; unknown from 150 s.
        #expect(usable.prefix(10).allSatisfy { $0 == 97 })
        #expect(unknownAt == [150, 165, 180])

        var target = F.target(min: 2, max: 20, signals: [F.perReplica(35, name: "rate")])
        target.database = DatabaseBinding(name: "main", poolSize: .fixed(10))
        let status = ConnectionBudget.evaluate(database, readings: failed, memory: memory, now: F.at(195)).status
        let share = ConnectionBudget.allocate(
            status,
            claims: [
                BudgetClaim(
                    target: target.identity,
                    minReplicas: 2,
                    currentReplicas: 4,
                    poolSize: 10,
                    wantedReplicas: 10
                )
            ]
        )[target.identity]
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["rate": F.value(350)],
            specReplicas: 4,
            readyReplicas: 4,
            budget: share,
            history: F.settled,
            now: F.at(195)
        )
        #expect(decision.desiredReplicas == 4)
        #expect(decision.reason == .downstreamBudgetUnknown)
        #expect(decision.conditions.budgetUnknown)
    }

    /// Behind PgBouncer the database is saturated after two cycles in a row with waiting
    /// clients while all 40 server connections are active; the budget is max_client_conn
    /// 1000 − 10 % kept free = 900.
    @Test func pgbouncerSaturationNeedsTwoCycles() {
        let database = DatabasePolicy(
            name: "main",
            maxConnections: .fixed(100),
            margin: .fraction(0.1),
            pgbouncer: PgBouncerPolicy(
                maxClientConnections: .fixed(1000),
                poolSize: .fixed(40),
                clientsWaitingQuery: "sum(pgbouncer_pools_client_waiting_connections)",
                serversActiveQuery: "sum(pgbouncer_pools_server_active_connections)"
            )
        )
        let readings: [(Double, Double)] = [(5, 40), (8, 40), (0, 40), (3, 39), (3, 40), (4, 40)]
        var memory = DatabaseMemory()
        var saturated: [Bool] = []
        for (index, (waiting, active)) in readings.enumerated() {
            let (status, next) = ConnectionBudget.evaluate(
                database,
                readings: [
                    "pgbouncerClientsWaiting": F.value(waiting), "pgbouncerServersActive": F.value(active),
                ],
                memory: memory,
                now: F.at(Double(index) * 15)
            )
            memory = next
            saturated.append(status.saturated)
            #expect(status.usable == 900)
        }
        #expect(saturated == [false, true, false, false, false, true])
    }

    /// A PgBouncer pool larger than PostgreSQL allows is reported: pool 120 against 100 − 3 = 97.
    @Test func pgbouncerPoolAbovePostgresLimitIsReported() {
        let database = DatabasePolicy(
            name: "main",
            maxConnections: .fixed(100),
            pgbouncer: PgBouncerPolicy(maxClientConnections: .fixed(1000), poolSize: .fixed(120))
        )
        let status = ConnectionBudget.evaluate(database, readings: [:], memory: DatabaseMemory(), now: F.at(0)).status
        #expect(status.problem?.contains("120") == true)
        #expect(status.problem?.contains("97") == true)
    }

    /// Panic mode on a request rate of 35 per replica, 4 Ready pods, threshold 2. At 15 s the
    /// 30 s window reads 420/s: ceil(420 / 35) = 12 >= 2 × 4, so the count goes straight to 12
    /// although the rate policies allow only 8 (+100 %). The stable 1-minute signal reads 150/s
    /// (ceil = 5). Panic lasts while it triggers; at 30 s the short window falls to 140/s
    /// (4 < 2 × 12), and no scale-down happens until 60 s without a trigger have passed (75 s).
    @Test func panicGoesStraightToShortWindowAndHoldsUntilStable() {
        let rate = F.perReplica(35, name: "rate")
        var panicSignal = rate
        panicSignal.name = PanicPolicy.signalName(for: "rate")
        panicSignal.role = .panic
        var target = F.target(
            min: 2,
            max: 50,
            signals: [rate, panicSignal],
            behavior: ScalingBehavior(
                scaleUp: .defaultScaleUp,
                scaleDown: ScalingRules(
                    stabilizationWindowSeconds: 0,
                    selectPolicy: .max,
                    policies: [RatePolicy(type: .percent, value: 100, periodSeconds: 15)],
                    tolerance: 0.1
                )
            )
        )
        target.panic = PanicPolicy(signal: "rate", windowSeconds: 30, threshold: 2, stableWindowSeconds: 60)
        let short: [Double: Double] = [0: 140, 15: 420, 30: 140, 45: 140, 60: 140, 75: 140]
        let stable: [Double: Double] = [0: 140, 15: 150, 30: 150, 45: 150, 60: 150, 75: 150]
        var current = 4
        var state = F.settled
        var counts: [Int] = []
        var reasons: [DecisionReason] = []
        var panicking: [Bool] = []
        for time in stride(from: 0.0, through: 75, by: 15) {
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: ["rate": F.value(stable[time]!), "rate@panic": F.value(short[time]!)],
                specReplicas: current,
                readyReplicas: current,
                history: state,
                now: F.at(time)
            )
            state = decision.history
            if decision.shouldWrite { current = decision.desiredReplicas }
            counts.append(current)
            reasons.append(decision.reason)
            panicking.append(decision.conditions.panicking)
        }
        // 0 s: ceil(140 / 35) = 4, within tolerance. 15 s: panic → 12. 30–60 s: held at 12.
        // 75 s: 60 s since the last trigger; panic ends and 150/s requests ceil(150 / 35) = 5.
        #expect(counts == [4, 12, 12, 12, 12, 5])
        #expect(reasons[1] == .panicMode)
        #expect(reasons[2] == .panicBlocksScaleDown)
        #expect(panicking == [false, true, true, true, true, false])
    }

    /// A 30 s window reads 600/s and the signal's 1-minute window 400/s: their middles are
    /// 15 s apart, so the demand rises 200 / 15 = 13.3/s. With a 15 s lookahead it is projected
    /// 15 + 15 = 30 s past the short window's middle: 600 + 13.3 × 30 = 1,000/s, so panic goes
    /// to ceil(1,000 / 35) = 29 instead of ceil(600 / 35) = 18. A falling demand is not projected.
    @Test func panicProjectsRisingDemand() {
        let panic = PanicPolicy(signal: "rate", windowSeconds: 30, lookaheadSeconds: 15, signalWindowSeconds: 60)
        #expect(abs(panic.projectedDemand(short: 600, long: 400) - 1000) < 1e-9)
        #expect(panic.projectedDemand(short: 400, long: 600) == 400)
        // 600 + 13.3 × (15 + 60) = 1,600 is capped at twice the short window's rate.
        var far = panic
        far.lookaheadSeconds = 60
        #expect(far.projectedDemand(short: 600, long: 400) == 1200)

        let rate = F.perReplica(35, name: "rate")
        var short = rate
        short.name = panic.signalName
        short.role = .panic
        var target = F.target(min: 2, max: 50, signals: [rate, short])
        target.panic = panic
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["rate": F.value(400), "rate@panic": F.value(600)],
            specReplicas: 4,
            readyReplicas: 4,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.desiredReplicas == 29)
        #expect(decision.reason == .panicMode)
    }
}

/// The fallback count after cycles without any valid scale signal.
@Suite struct FallbackTests {
    typealias F = EngineFixture

    /// Fallback 8 after 3 failed cycles: the count stays at 4 for two cycles of failures, rises
    /// to 8 on the third, stays there while the failure lasts, and the signals decide again as
    /// soon as one is valid (200 / 100 = 2, held at 8 by the signal's recovery cycles).
    @Test func fallbackAppliesAfterFailedCycles() {
        var target = F.target(min: 1, max: 20, signals: [F.perReplica(100)])
        target.fallback = FallbackPolicy(replicas: 8, afterFailedCycles: 3)
        let failed = ["queue": SampleOutcome.failed(reason: "HTTP 503")]
        let steps: [F.Step] = [
            .init(time: 0, outcomes: failed, expected: 4, reason: .metricUnavailable),
            .init(time: 15, outcomes: failed, expected: 4, reason: .metricUnavailable),
            .init(time: 30, outcomes: failed, expected: 8, reason: .fallback),
            .init(time: 45, outcomes: failed, expected: 8, reason: .metricUnavailable),
            .init(time: 60, outcomes: ["queue": F.value(200)], expected: 8, reason: .recoveryBlocksScaleDown),
        ]
        let decisions = F.run(target, from: 4, history: ScalingHistory(startedAt: F.at(-3600)), steps)
        #expect(decisions.map(\.desiredReplicas) == steps.map(\.expected))
        #expect(decisions.map(\.reason) == steps.map(\.reason))
    }

    /// A fallback below the current count never lowers it.
    @Test func fallbackNeverScalesDown() {
        var target = F.target(min: 1, max: 20, signals: [F.perReplica(100)])
        target.fallback = FallbackPolicy(replicas: 2, afterFailedCycles: 1)
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["queue": .failed(reason: "timed out")],
            specReplicas: 6,
            readyReplicas: 6,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.desiredReplicas == 6)
        #expect(decision.reason == .metricUnavailable)
    }
}
