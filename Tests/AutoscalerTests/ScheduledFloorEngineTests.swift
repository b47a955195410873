import Foundation
import MetricsClient
import Testing

@testable import Autoscaler

/// Scheduled floors in the engine: lead time, precedence against the budget ceiling and
/// `maxReplicas`, and the scale-down window once the floor ends.
@Suite struct ScheduledFloorEngineTests {
    typealias F = EngineFixture

    static func floor(_ name: String, replicas: Int, from start: Double, to end: Double, lead: Int = 0)
        -> ScheduledFloor
    {
        ScheduledFloor(
            name: name,
            replicas: replicas,
            leadSeconds: lead,
            timing: .once(start: .instant(F.at(start)), end: .instant(F.at(end)))
        )
    }

    /// A flash sale from 600 s to 1,200 s asks for 30 replicas with 120 s of lead time, on a
    /// target with maxReplicas 20 whose database allows 12. Demand alone asks for 2
    /// (70 requests/s at 35 per replica).
    /// - 465 s: before the lead time, 2.
    /// - 480 s: the floor applies: min(30, 20, 12) = 12, straight from 2.
    /// - 1,200 s: the floor ends; the 300 s scale-down window still holds the floor's 12,
    ///   recorded as a recommendation up to 1,185 s, which is inside the window through 1,470 s,
    ///   so the count falls to 2 at 1,485 s.
    @Test func floorRisesToCeilingAndEndsThroughScaleDownWindow() {
        var target = F.target(min: 2, max: 20, signals: [F.perReplica(35, name: "rate")])
        target.schedules = [Self.floor("flash-sale", replicas: 30, from: 600, to: 1200, lead: 120)]
        target.database = DatabaseBinding(name: "main", poolSize: .fixed(10))
        let status = DatabaseStatus(name: "main", usable: 120, freshness: .current)
        var current = 2
        var state = F.settled
        var counts: [Double: Int] = [:]
        var reasons: [Double: DecisionReason] = [:]
        for time in stride(from: 450.0, through: 1530, by: 15) {
            let share = ConnectionBudget.allocate(
                status,
                claims: [
                    BudgetClaim(
                        target: target.identity,
                        minReplicas: 2,
                        currentReplicas: current,
                        poolSize: 10,
                        wantedReplicas: 12
                    )
                ]
            )[target.identity]
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: ["rate": F.value(70)],
                specReplicas: current,
                readyReplicas: current,
                budget: share,
                history: state,
                now: F.at(time)
            )
            state = decision.history
            if decision.shouldWrite { current = decision.desiredReplicas }
            counts[time] = current
            reasons[time] = decision.reason
            if time == 600 { #expect(decision.conditions.scheduledFloor == 12) }
        }
        #expect(counts[465] == 2)
        #expect(counts[480] == 12)
        #expect(reasons[480] == .scheduledFloor)
        #expect(counts[1185] == 12)
        #expect(counts[1470] == 12)
        #expect(counts[1485] == 2)
    }

    /// Overlapping floors take the larger; an expired one is ignored.
    @Test func overlappingFloorsTakeMax() {
        var target = F.target(min: 1, max: 50, signals: [F.perReplica(35, name: "rate")])
        target.schedules = [
            Self.floor("morning", replicas: 8, from: 0, to: 600),
            Self.floor("sale", replicas: 15, from: 300, to: 900),
            Self.floor("past", replicas: 40, from: -900, to: -300),
        ]
        let decide = { (time: Double) in
            DecisionEngine.decide(
                target: target,
                outcomes: ["rate": F.value(35)],
                specReplicas: 1,
                readyReplicas: 1,
                history: F.settled,
                now: F.at(time)
            )
        }
        #expect(decide(100).desiredReplicas == 8)
        #expect(decide(400).desiredReplicas == 15)
        #expect(decide(400).conditions.schedules == ["sale"])
        #expect(decide(950).desiredReplicas == 1)
    }

    /// The starting cap applies to a rise to a floor: 4 Ready pods, cap 3, floor 20 →
    /// 7 first.
    @Test func startingCapAppliesToFloor() {
        var target = F.target(min: 1, max: 50, signals: [F.perReplica(35, name: "rate")])
        target.schedules = [Self.floor("sale", replicas: 20, from: 0, to: 600)]
        target.coldStart = ColdStartPolicy(maxStartingPods: .pods(3))
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: ["rate": F.value(35)],
            specReplicas: 4,
            readyReplicas: 4,
            history: F.settled,
            now: F.at(10)
        )
        #expect(decision.desiredReplicas == 7)
        #expect(decision.reason == .startingPodsLimit)
        #expect(decision.limits.contains(.scheduledFloor))
    }
}
