import Autoscaler
import FleetModel
import Foundation
import Testing

@testable import Simulator

/// The pods the simulated scaler reads, on a timeline worked out by hand.
///
/// Two warm pods were Ready at −30 s (a full 30 s warm-up before second 0) and created 60 s
/// before that. At 10 s the fleet is scaled to 4 in a cluster with room for 3 pods, and
/// startup takes a fixed 8 s. Pod C is scheduled at 12 and turns Ready at the probe at 22,
/// since probes run every 5 s from 12. Pod D waits for room from 12 on, unschedulable.
@Suite struct SimulatedPodsTests {
    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    static func world() -> SimulationWorld {
        var parameters = FleetParameters.directusPgBouncer
        parameters.lifecycle.startup = .fixed(8)
        parameters.lifecycle.schedulablePods = 3
        let fleet = Fleet(parameters: parameters, replicas: 2, cold: false, seed: 3)
        return SimulationWorld(fleet: fleet, prometheus: VirtualPrometheus(), epoch: epoch)
    }

    static func advance(_ world: SimulationWorld, seconds: Int) {
        world.withFleet { fleet in
            for _ in 0..<seconds { fleet.advance(arrivals: 20) }
        }
    }

    /// A target with a 30 s warm-up, which needs its pods.
    static let target = TargetPolicy(
        namespace: "shop",
        name: "api",
        maxReplicas: 10,
        signals: [],
        coldStart: ColdStartPolicy(warmupSeconds: 30)
    )

    @Test func podsFollowTheLifecycle() async throws {
        let world = Self.world()
        let scaler = SimulatedScaler(world: world)
        Self.advance(world, seconds: 10)
        world.withFleet { $0.scale(to: 4) }
        Self.advance(world, seconds: 5)  // t = 15

        let early = try #require(try await scaler.readWorkload(Self.target).pods)
        #expect(early.count == 4)
        let warm = PodState(
            name: early[0].name,
            phase: .running,
            isReady: true,
            readySince: Self.epoch.addingTimeInterval(-30),
            createdAt: Self.epoch.addingTimeInterval(-90)
        )
        #expect(early[0] == warm)
        #expect(early[1].readySince == Self.epoch.addingTimeInterval(-30))
        let starting = PodState(
            name: early[2].name,
            phase: .running,
            isReady: false,
            createdAt: Self.epoch.addingTimeInterval(10)
        )
        #expect(early[2] == starting)
        #expect(early[3].phase == .pending)
        #expect(!early[3].isReady)
        #expect(early[3].createdAt == Self.epoch.addingTimeInterval(10))
        #expect(early[3].schedulingProblem?.hasPrefix("Unschedulable: ") == true)

        Self.advance(world, seconds: 10)  // t = 25
        let later = try #require(try await scaler.readWorkload(Self.target).pods)
        #expect(later[2].isReady)
        #expect(later[2].readySince == Self.epoch.addingTimeInterval(22))

        // Scaled to 2: D, never bound to a node, is gone at once; C, the most recently Ready,
        // terminates through its grace period, out of the endpoints.
        world.withFleet { $0.scale(to: 2) }
        Self.advance(world, seconds: 1)
        let last = try #require(try await scaler.readWorkload(Self.target).pods)
        #expect(last.map(\.name) == later.prefix(3).map(\.name))
        let terminating = PodState(
            name: later[2].name,
            phase: .running,
            isReady: false,
            createdAt: Self.epoch.addingTimeInterval(10),
            isTerminating: true
        )
        #expect(last[2] == terminating)
        #expect(!last[0].isTerminating)
    }

    @Test func podsAreReadOnlyWhenNeeded() async throws {
        let world = Self.world()
        let scaler = SimulatedScaler(world: world)
        var plain = Self.target
        plain.coldStart = ColdStartPolicy()
        #expect(!plain.needsPods)
        #expect(try await scaler.readWorkload(plain).pods == nil)
        let state = try await scaler.readWorkload(Self.target)
        #expect(state.pods?.count == 2)
        #expect(state.readyReplicas == 2)
    }
}
