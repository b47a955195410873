import Foundation
import MetricsClient
import Testing

@testable import Autoscaler

/// Four production failures as timelines: warming pods' slow samples (C04), a rollout of an idle
/// Deployment (C06), a spike capped by the database budget (C26) and a dependency outage (C27), each value
/// worked out by hand in the comments.
@Suite struct SharedCaseTimelineTests {
    typealias F = EngineFixture

    static func perPodLatency(seconds: Double) -> SignalPolicy {
        SignalPolicy(
            name: "p99",
            query: "histogram_quantile(0.99, sum by (le, pod) (rate(x_seconds_bucket[1m])))",
            target: SignalTarget(dimension: .duration, baseValue: seconds, text: "\(seconds)s"),
            rule: .latencyStep,
            scope: .pod
        )
    }

    static func pod(_ name: String, readyAt: Double?, terminating: Bool = false, createdAt: Double = -3600)
        -> PodState
    {
        PodState(
            name: name,
            phase: readyAt == nil ? .pending : .running,
            isReady: readyAt != nil,
            readySince: readyAt.map(F.at),
            createdAt: F.at(createdAt),
            isTerminating: terminating
        )
    }

    /// C04: 3 pods with p99 290 ms against a 300 ms target (within the 10 % tolerance). At 0 s
    /// pod c is replaced: c terminates and c2 turns Ready at 15 s, reporting 10× latency
    /// (2.9 s) for its first 90 s. With a 120 s warm-up c2's samples are left out, so the mean
    /// stays 290 ms and the count stays 3 in every cycle up to 180 s.
    @Test func c04BootingPodsHighLatencyKeepsSize() {
        var target = F.target(min: 1, max: 10, signals: [Self.perPodLatency(seconds: 0.3)])
        target.coldStart = ColdStartPolicy(warmupSeconds: 120)
        let decisions = runC04(target)
        #expect(decisions.map(\.desiredReplicas) == Array(repeating: 3, count: 13))
        // At 60 s c2 is warming: one sample ignored, the two warm pods' mean is 290 ms.
        #expect(decisions[4].signals[0].value == 0.29)
        #expect(decisions[4].conditions.pods?.warming == ["c2"])
    }

    /// The same timeline without warm-up is the cascade C04 guards against: at 15 s the mean of
    /// (0.29, 0.29, 2.9) is 1.16 s, 3.87× the target, clamped to the 1.5 step: ceil(3 × 1.5) = 5.
    @Test func c04WithoutWarmupCascades() {
        let target = F.target(min: 1, max: 10, signals: [Self.perPodLatency(seconds: 0.3)])
        let decisions = runC04(target)
        #expect(decisions[1].desiredReplicas == 5)
    }

    private func runC04(_ target: TargetPolicy) -> [Decision] {
        var state = F.settled
        var current = 3
        var decisions: [Decision] = []
        for step in 0...12 {
            let time = Double(step) * 15
            var pods = [Self.pod("a", readyAt: -3600), Self.pod("b", readyAt: -3600)]
            var samples: [String: SampleOutcome] = ["a": F.value(0.29), "b": F.value(0.29)]
            // Extra pods the engine may have added are Ready and warm at 290 ms.
            for extra in 0..<max(current - 3, 0) {
                pods.append(Self.pod("x\(extra)", readyAt: -3600))
                samples["x\(extra)"] = F.value(0.29)
            }
            if time < 30 { pods.append(Self.pod("c", readyAt: -3600, terminating: true)) }
            if time >= 15 {
                pods.append(Self.pod("c2", readyAt: 15, createdAt: 0))
                samples["c2"] = F.value(time < 105 ? 2.9 : 0.29)
            } else {
                pods.append(Self.pod("c2", readyAt: nil, createdAt: 0))
            }
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: ["p99": .perPod(samples)],
                specReplicas: current,
                readyReplicas: 0,
                pods: pods,
                history: state,
                now: F.at(time)
            )
            decisions.append(decision)
            state = decision.history
            if decision.shouldWrite { current = decision.desiredReplicas }
        }
        return decisions
    }

    /// C06: an idle Deployment with spec 1 rolls out with maxSurge 1. The old pod o is
    /// Terminating from 0 s to 120 s; the new pod n is Running but has no samples until 60 s,
    /// then reports 0. Every valid sample is 0.
    /// - 0–45 s: only n could count, and it has no sample: no usable value, count kept (1).
    /// - 60 s on: n reports 0 → ratio 0 → ceil(1 × 0) = 0, below minReplicas → 1.
    @Test func c06RolloutOfIdleDeploymentStaysAtOne() {
        let target = F.target(min: 1, max: 10, signals: [F.utilization(fraction: 0.6).scoped(.pod)])
        var state = F.settled
        var results: [Int] = []
        var reasons: [DecisionReason] = []
        for step in 0...12 {
            let time = Double(step) * 15
            var pods = [Self.pod("n", readyAt: time >= 10 ? 10 : nil, createdAt: 0)]
            var samples: [String: SampleOutcome] = ["o": F.value(0)]
            if time < 120 { pods.append(Self.pod("o", readyAt: -3600, terminating: true)) }
            if time >= 60 { samples["n"] = F.value(0) }
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: ["cpu": .perPod(samples)],
                specReplicas: 1,
                readyReplicas: 2,
                pods: pods,
                history: state,
                now: F.at(time)
            )
            state = decision.history
            results.append(decision.desiredReplicas)
            reasons.append(decision.reason)
            if time < 120 { #expect(decision.conditions.pods?.terminating == 1) }
        }
        #expect(results == Array(repeating: 1, count: 13))
        #expect(reasons[0] == .metricUnavailable)
        #expect(reasons[4] == .tooFewReplicas)
    }

    static let c26Database = DatabasePolicy(
        name: "main",
        maxConnections: .fixed(200),
        reservedConnections: .fixed(0),
        margin: .fraction(0.1),
        activeConnectionsQuery: "sum(pg_stat_activity_count{state=\"active\"})"
    )

    static func c26Target() -> TargetPolicy {
        var target = F.target(
            min: 1,
            max: 20,
            signals: [
                F.latency(seconds: 0.3),
                SignalPolicy(
                    name: "pool",
                    query: "avg(pool_utilization)",
                    target: SignalTarget(dimension: .fraction, baseValue: 0.8, text: "80%"),
                    rule: .utilization,
                    category: .pool
                ),
                SignalPolicy(
                    name: "poolWaiting",
                    query: "sum(pool_waiting)",
                    target: SignalTarget(dimension: .count, baseValue: 1, text: "1"),
                    rule: nil,
                    role: .guard,
                    category: .pool
                ),
            ]
        )
        target.database = DatabaseBinding(name: "main", poolSize: .fixed(50), poolWaitingSignal: "poolWaiting")
        return target
    }

    /// Evaluates the database and splits it for one target, as the loop does.
    static func share(
        _ database: DatabasePolicy,
        target: TargetPolicy,
        readings: [String: SampleOutcome],
        current: Int,
        wanted: Int,
        memory: DatabaseMemory = DatabaseMemory(),
        now: Date = F.at(0)
    ) -> BudgetShare? {
        let status = ConnectionBudget.evaluate(database, readings: readings, memory: memory, now: now).status
        let claim = BudgetClaim(
            target: target.identity,
            minReplicas: target.minReplicas,
            currentReplicas: current,
            poolSize: 50,
            wantedReplicas: wanted
        )
        return ConnectionBudget.allocate(status, claims: [claim])[target.identity]
    }

    /// C26: max_connections 200 with 10 % kept free leaves 180 usable; pools of 50 give a
    /// ceiling of floor(180 / 50) = 3. p99 rises from 180 ms to 2 s against 300 ms and every
    /// pool is full with waiters, but 150 active connections are 83 % of 180, below the 90 %
    /// saturation threshold: the database is not saturated, so this is DownstreamLimited.
    /// Latency asks for ceil(3 × 1.5) = 5 (2 s / 0.3 s = 6.7, stepped to 1.5), pool for
    /// ceil(3 × 1.0 / 0.8) = 4; the ceiling holds 3.
    @Test func c26SpikeStopsAtBudgetCeilingAsDownstreamLimited() {
        let target = Self.c26Target()
        let readings: [String: SampleOutcome] = ["activeConnections": F.value(150)]
        let share = Self.share(Self.c26Database, target: target, readings: readings, current: 3, wanted: 5)
        #expect(share?.ceiling == 3)
        #expect(share?.status.usable == 180)
        #expect(share?.status.saturated == false)

        let calm = DecisionEngine.decide(
            target: target,
            outcomes: ["p99": F.value(0.18), "pool": F.value(0.8), "poolWaiting": F.value(0)],
            specReplicas: 3,
            readyReplicas: 3,
            budget: share,
            history: ScalingHistory(startedAt: F.at(-60)),
            now: F.at(0)
        )
        // 0.18 / 0.3 = 0.6 requests fewer pods, but the scale-down window since start keeps 3.
        #expect(calm.desiredReplicas == 3)
        #expect(calm.conditions.downstreamLimited == false)

        let spike = DecisionEngine.decide(
            target: target,
            outcomes: ["p99": F.value(2.0), "pool": F.value(1.0), "poolWaiting": F.value(12)],
            specReplicas: 3,
            readyReplicas: 3,
            budget: share,
            history: calm.history,
            now: F.at(15)
        )
        #expect(spike.desiredReplicas == 3)
        #expect(spike.wantedReplicas == 5)
        #expect(spike.reason == .downstreamLimited)
        #expect(spike.conditions.downstreamLimited)
        #expect(!spike.conditions.downstreamBound)
        #expect(spike.conditions.budgetCeiling == 3)
    }

    /// A fleet of 2, below its ceiling of 3, whose database has all 180 usable connections
    /// active while its pools have waiters: DownstreamBound. Latency (2 s) may not add pods,
    /// so the count stays at 2 instead of ceil(2 × 1.5) = 3; the evidence names the numbers.
    @Test func saturatedDatabaseBelowCeilingHoldsAsDownstreamBound() {
        let target = Self.c26Target()
        let readings: [String: SampleOutcome] = ["activeConnections": F.value(180)]
        let share = Self.share(Self.c26Database, target: target, readings: readings, current: 2, wanted: 3)
        #expect(share?.ceiling == 3)
        #expect(share?.status.saturated == true)

        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["p99": F.value(2.0), "pool": F.value(0.8), "poolWaiting": F.value(7)],
            specReplicas: 2,
            readyReplicas: 2,
            budget: share,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.desiredReplicas == 2)
        #expect(decision.reason == .downstreamBound)
        #expect(decision.conditions.downstreamBound)
        #expect(decision.signals.first { $0.name == "p99" }?.setAside == true)
        #expect(decision.conditions.evidence.contains { $0.contains("180 of 180 usable connections active") })
    }

    /// The same saturated database, but the target's own pool signal requests more
    /// (utilization 1.2 against 0.8: ceil(2 × 1.5) = 3): the pool signal still acts, within the
    /// ceiling, and the decision still reports DownstreamBound.
    @Test func poolSignalStillActsWhileDownstreamBound() {
        let target = Self.c26Target()
        let share = Self.share(
            Self.c26Database,
            target: target,
            readings: ["activeConnections": F.value(175)],
            current: 2,
            wanted: 3
        )
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["p99": F.value(2.0), "pool": F.value(1.2), "poolWaiting": F.value(7)],
            specReplicas: 2,
            readyReplicas: 2,
            budget: share,
            history: F.settled,
            now: F.at(0)
        )
        #expect(decision.desiredReplicas == 3)
        #expect(decision.reason == .downstreamBound)
    }

    /// Saturated database but no pool waiters in this target: the target is not bound, and
    /// its latency may scale it (to the ceiling of 3).
    @Test func saturatedDatabaseWithoutPoolWaitersIsNotBound() {
        let target = Self.c26Target()
        let share = Self.share(
            Self.c26Database,
            target: target,
            readings: ["activeConnections": F.value(180)],
            current: 2,
            wanted: 3
        )
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["p99": F.value(2.0), "pool": F.value(0.8), "poolWaiting": F.value(0)],
            specReplicas: 2,
            readyReplicas: 2,
            budget: share,
            history: F.settled,
            now: F.at(0)
        )
        #expect(!decision.conditions.downstreamBound)
        #expect(decision.desiredReplicas == 3)
    }

    /// C27: 20 replicas; from 0 s a dependency fails for 5 minutes: 5xx 45 % (guard at 5 %),
    /// traffic falls to 10 % (700 → 70 requests/s at 35 per replica: ceil(70 / 35) = 2).
    /// The guard blocks the scale-down and, being a guard, never proposes, so the 5xx spike
    /// adds nothing: 20 throughout. At 300 s the dependency returns with load for
    /// 700 / 35 = 20 replicas: still 20.
    @Test func c27DependencyOutageNeitherScalesDownNorUp() {
        let target = F.target(
            min: 2,
            max: 100,
            signals: [F.perReplica(35, name: "rate"), F.guardSignal("errors", fraction: 0.05)],
            behavior: ScalingBehavior(
                scaleUp: .defaultScaleUp,
                scaleDown: ScalingRules(
                    stabilizationWindowSeconds: 60,
                    selectPolicy: .max,
                    policies: [RatePolicy(type: .percent, value: 100, periodSeconds: 15)],
                    tolerance: 0.1
                )
            )
        )
        let steps = (0...40).map { index -> F.Step in
            let time = Double(index) * 15
            let outage = time < 300
            return F.Step(
                time: time,
                outcomes: ["rate": F.value(outage ? 70 : 700), "errors": F.value(outage ? 0.45 : 0.001)],
                expected: 20,
                reason: outage ? .guardBlocksScaleDown : .withinTolerance
            )
        }
        let decisions = F.run(target, from: 20, steps)
        #expect(decisions.map(\.desiredReplicas) == steps.map(\.expected))
        #expect(decisions.map(\.reason) == steps.map(\.reason))
    }
}

extension SignalPolicy {
    /// Returns a copy with `scope` set.
    func scoped(_ scope: SignalScope) -> SignalPolicy {
        var copy = self
        copy.scope = scope
        return copy
    }
}
