import Foundation
import TestSupport
import Testing

/// CI's short version of the proving ground: each scenario once under Headroom's policy, on
/// real PostgreSQL, HAProxy, Prometheus and fleet-app processes. These tests assert only
/// invariants, because the comparison with the HPA's defaults belongs to `make demo-real`.
///
/// Every figure is recomputed here from the run's raw files (PostgreSQL's own log, the load
/// generator's files, the API server's scale writes), not taken from the runner's own checks.
@Suite(.serialized)
struct ProvingGroundShortTests {
    /// Settings of the short scenarios, restated by hand from `Scenario.swift`. Pools have 4
    /// connections and each request takes 100 ms of database time, so a warm process serves 40
    /// requests/s. Headroom's per-replica target is 70 % of that (28), and the minimum is 2.
    /// The interval is 2 s, scrapes come every 1 s and the rate window is 10 s. The scale-down
    /// window is 14 s, the starting cap 3 and the startup delay 5 s.
    static let minReplicas = 2
    static let poolMax = 4
    static let perReplicaTarget = 28.0
    static let maxStartingPods = 3
    static let startupDelay = 5.0

    @Test func flashCrowdScalesUpAndBack() throws {
        let run = try ShortRun(scenario: "flash-crowd")
        try run.expectValidLoad()
        try run.expectNoRefusals()
        try run.expectEveryProcessStopped()

        // At least one write above the floor while the load ran.
        let duringLoad = run.writes.filter { $0.time >= run.loadStart && $0.time <= run.loadEnd }
        #expect(duringLoad.contains { $0.replicas > Self.minReplicas }, "writes during the load: \(duringLoad)")

        // The crowd ends at the last second whose scheduled requests exceed what the floor
        // serves at the target: 2 × 28 = 56 requests/s.
        let floorServes = Double(Self.minReplicas) * Self.perReplicaTarget
        let crowdSecond = try #require(run.load.last { Double($0.scheduled) > floorServes }?.second)
        let crowdEnd = run.loadStart + Double(crowdSecond + 1)
        let back = try #require(
            run.timeline.first { $0.time > crowdEnd && $0.spec == Self.minReplicas },
            "spec.replicas never returned to \(Self.minReplicas) after the crowd ended at \(crowdEnd) s"
        )

        // The signals stopped requesting more than the floor at the first sample of
        // headroom_target_bounded_replicas (scraped from Headroom every second) at 2 after the
        // last sample above 2. From then, the 14 s scale-down window and three 2 s cycles (20 s)
        // bound the return.
        let bounded = run.series("boundedReplicas").filter { $0.time <= back.time }
        let lastAbove = try #require(bounded.lastIndex { $0.value > Double(Self.minReplicas) })
        let fell = try #require(bounded.dropFirst(lastAbove + 1).first?.time)
        #expect(back.time - fell <= 14 + 3 * 2, "back at the floor \(back.time - fell) s after the signals fell")
        #expect(run.writes.last?.replicas == Self.minReplicas)
    }

    @Test func databaseBoundStopsAtBudget() throws {
        let run = try ShortRun(scenario: "db-bound")
        try run.expectValidLoad()
        try run.expectNoRefusals()
        try run.expectEveryProcessStopped()

        // max_connections 24 − 3 reserved − 2 other clients = 19 connections; 19 ÷ 4 = 4 pods.
        let budget = (24 - 3 - 2) / Self.poolMax
        #expect(budget == 4)

        let highest = run.writes.map(\.replicas).max() ?? 0
        #expect(highest <= budget, "writes: \(run.writes.map(\.replicas))")
        // The load (240 requests/s ÷ 28, rounded up) requires 9 pods, so Headroom reaches the budget
        // and reports it.
        #expect(highest == budget, "writes: \(run.writes.map(\.replicas))")
        #expect(run.eventReasons.contains("DownstreamLimited"), "Events: \(run.eventReasons)")
    }

    @Test func coldStartRespectsStartingCap() throws {
        let run = try ShortRun(scenario: "cold-start")
        try run.expectValidLoad()
        try run.expectNoRefusals()
        try run.expectEveryProcessStopped()

        // Every process opens its whole pool at start, so connections come from starting pods:
        // at most 3 × 4 = 12 within any 5 s.
        let times = try run.fleetConnectionTimes()
        #expect(
            times.count >= (Self.minReplicas + 1) * Self.poolMax,
            "the fleet never grew: \(times.count) connections"
        )

        let maxNew = Self.maxInWindow(times, length: Self.startupDelay)
        #expect(maxNew <= Self.maxStartingPods * Self.poolMax, "\(maxNew) new connections within 5 s")
        #expect(run.writes.contains { $0.replicas > Self.minReplicas })
    }

    /// Counts the maximum number of `times` within any half-open window of `length` seconds.
    /// The count is pairwise (quadratic), independent of the runner's sliding window.
    static func maxInWindow(_ times: [Double], length: Double) -> Int {
        times.map { start in times.filter { $0 >= start && $0 < start + length }.count }.max() ?? 0
    }
}
