import Testing

@testable import FleetModel

/// Pod lifecycle and request outcomes at the edges, with times and counts worked out by hand.
@Suite struct LifecycleTests {
    static func fleet(startup: Double = 8, configure: (inout FleetParameters) -> Void = { _ in }) -> FleetParameters {
        var parameters = FleetParameters.directusPgBouncer
        parameters.lifecycle.startup = .fixed(startup)
        configure(&parameters)
        return parameters
    }

    static func advance(_ fleet: inout Fleet, seconds: Int, arrivals: Double = 0) {
        for _ in 0..<seconds { fleet.advance(arrivals: arrivals) }
    }

    /// Created at 10: scheduled at 12 (2 s delay); startup 8 s ends at 20, and the first
    /// readiness probe after it (probes every 5 s from scheduling: 17, 22) makes it Ready at 22.
    @Test func newPodGoesPendingStartingReady() {
        var fleet = Fleet(parameters: Self.fleet(), replicas: 2, cold: false, seed: 1)
        Self.advance(&fleet, seconds: 10)
        fleet.scale(to: 3)
        func phaseOfNewest() -> PodPhase { fleet.snapshot.pods.last!.phase }
        #expect(phaseOfNewest() == .pending)
        Self.advance(&fleet, seconds: 2)  // t = 12
        #expect(phaseOfNewest() == .starting)
        #expect(fleet.snapshot.pods.last!.scheduledAt == 12)
        Self.advance(&fleet, seconds: 9)  // t = 21
        #expect(phaseOfNewest() == .starting)
        #expect(fleet.snapshot.pods.last!.startedAt == 20)
        Self.advance(&fleet, seconds: 1)  // t = 22
        #expect(phaseOfNewest() == .ready)
        #expect(fleet.snapshot.pods.last!.readyAt == 22)
        // Warm-up: 50 % at Ready, +50 % over 30 s, so 75 % at 15 s.
        Self.advance(&fleet, seconds: 15)
        #expect(abs(fleet.snapshot.pods.last!.warmth - 0.75) < 1e-12)
    }

    /// Four pods: two Ready (one since 0, one since later), one starting, one Pending. Scaling
    /// to 1 deletes the Pending, the starting and the most recently Ready, as the ReplicaSet
    /// controller ranks them.
    @Test func scaleDownDeletesInReplicaSetOrder() {
        var fleet = Fleet(parameters: Self.fleet(), replicas: 1, cold: false, seed: 1)
        let oldest = fleet.snapshot.pods[0].name
        fleet.scale(to: 2)
        Self.advance(&fleet, seconds: 12)  // second pod Ready at 0 + 2 + 10 = 12
        fleet.scale(to: 3)
        Self.advance(&fleet, seconds: 3)  // third pod scheduled at 14, starting
        fleet.scale(to: 4)  // fourth pod Pending
        let phases = fleet.snapshot.pods.map(\.phase)
        #expect(phases == [.ready, .ready, .starting, .pending])
        fleet.scale(to: 1)
        let live = fleet.snapshot.pods.filter { $0.phase != .terminating }
        #expect(live.map(\.name) == [oldest])
        // The Pending pod was never bound to a node, so it is removed at once; the other two
        // terminate through their grace period.
        #expect(fleet.snapshot.pods.count == 3)
        #expect(fleet.snapshot.pods.filter { $0.phase == .terminating }.count == 2)
        // Gone after the 30 s grace period.
        Self.advance(&fleet, seconds: 31)
        #expect(fleet.snapshot.pods.map(\.name) == [oldest])
    }

    /// One pod at 200 requests/s against 50/s of capacity and a queue limit of 100: after 5 s it
    /// served 250, holds 100 and refused 1,000 − 250 − 100 = 650. Deleted with a 1 s grace
    /// period, it serves 50 more, and the other 50 fail with 502 when it is killed.
    @Test func killedPodLosesItsQueueWith502() {
        let parameters = Self.fleet { $0.lifecycle.terminationGracePeriod = 1 }
        var fleet = Fleet(parameters: parameters, replicas: 1, cold: false, seed: 1)
        var total = StatusCounts()
        for _ in 0..<5 { total = total + fleet.advance(arrivals: 200).requests }
        #expect(abs(total.ok - 250) < 1e-6)
        #expect(abs(total.unavailable - 650) < 1e-6)
        #expect(abs(fleet.snapshot.pods[0].queueDepth - 100) < 1e-6)
        fleet.scale(to: 0)
        total = StatusCounts()
        for _ in 0..<2 { total = total + fleet.advance(arrivals: 10).requests }
        #expect(abs(total.ok - 50) < 1e-6)
        #expect(abs(total.badGateway - 50) < 1e-6)
        // No Ready pod: the 20 arrivals get 503 at the ingress.
        #expect(abs(total.unavailable - 20) < 1e-6)
        #expect(abs(fleet.snapshot.unroutedRequests - 20) < 1e-6)
        #expect(fleet.snapshot.pods.isEmpty)
    }

    /// Request timeout 2 s, queue limit 1,000, 200 requests/s at 50/s, arrivals spread evenly
    /// over each second and served FIFO. Second 0's requests arrived over [0, 1): 50 are served
    /// in second 0 (those of [0, 0.25)), 50 in second 1 ([0.25, 0.5)), 50 in second 2
    /// ([0.5, 0.75)). At 3 the rest, [0.75, 1), are older than 2 s and get 504: 50. Second 3
    /// serves 50 of second 1's requests. After 4 s: 200 served, 50 timed out.
    @Test func oldRequestsTimeOutWith504() {
        let parameters = Self.fleet {
            $0.admission.requestTimeout = 2
            $0.admission.queueLimit = 1000
        }
        var fleet = Fleet(parameters: parameters, replicas: 1, cold: false, seed: 1)
        var total = StatusCounts()
        for _ in 0..<4 { total = total + fleet.advance(arrivals: 200).requests }
        #expect(abs(total.timedOut - 50) < 1e-6)
        #expect(abs(total.ok - 200) < 1e-6)
    }

    /// A cluster with room for 3 pods: scaling 2 → 5 schedules one and leaves two Pending for
    /// good, marked unschedulable.
    @Test func unschedulablePodsStayPending() {
        let parameters = Self.fleet { $0.lifecycle.schedulablePods = 3 }
        var fleet = Fleet(parameters: parameters, replicas: 2, cold: false, seed: 1)
        fleet.scale(to: 5)
        Self.advance(&fleet, seconds: 120)
        let pods = fleet.snapshot.pods
        #expect(pods.filter { $0.phase == .ready }.count == 3)
        let pending = pods.filter { $0.phase == .pending }
        #expect(pending.count == 2)
        #expect(pending.allSatisfy { $0.unschedulable })
    }

    /// Names follow the ReplicaSet controller's `<deployment>-<hash>-<5 characters>` and are
    /// reproduced from the seed.
    @Test func podNamesLookGeneratedAndRepeatBySeed() {
        let first = Fleet(parameters: .directusPgBouncer, deploymentName: "directus", replicas: 3, cold: true, seed: 7)
        let second = Fleet(parameters: .directusPgBouncer, deploymentName: "directus", replicas: 3, cold: true, seed: 7)
        let names = first.snapshot.pods.map(\.name)
        #expect(names == second.snapshot.pods.map(\.name))
        #expect(Set(names).count == 3)
        for name in names {
            let parts = name.split(separator: "-")
            #expect(parts.count == 3)
            #expect(parts.first == "directus")
            #expect(parts.dropFirst().first?.count == 10)
            #expect(parts.last?.count == 5)
        }
    }

    /// With no Ready pod at all, arrivals get 503 at the ingress with latency 0.
    @Test func noReadyPodMeans503AtTheIngress() {
        var fleet = Fleet(parameters: Self.fleet(), replicas: 0, cold: true, seed: 1)
        let report = fleet.advance(arrivals: 42)
        #expect(report.requests.unavailable == 42)
        #expect(report.latency.quantile(0.99)! <= LatencyHistogram.bounds[0])
    }
}
