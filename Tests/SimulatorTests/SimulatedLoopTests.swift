import Autoscaler
import FleetModel
import Foundation
import MetricsClient
import Testing

@testable import Simulator

/// The simulated run drives the daemon's control loop: its writes are what the decision engine
/// decides from the same inputs.
struct SimulatedLoopTests {
    /// Rate over 2 minutes (not the preset's 1) against 35/s per replica, and the 5xx guard.
    static let policy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: shop
            name: api
            minReplicas: 2
            maxReplicas: 100
            signals:
              - preset: ingressNginxRequestRate
                query: >-
                  sum by (namespace, ingress) (rate(nginx_ingress_controller_requests{namespace="{{namespace}}",
                  ingress="{{ingress}}"}[2m]))
              - preset: ingressNginx5xxRatio
        """

    static var target: TargetPolicy {
        // The policy above is valid; a failure to load it fails the tests that use it.
        (try? PolicyLoader.load(text: policy, file: "test.yaml").targets.first)
            ?? TargetPolicy(namespace: "invalid", name: "invalid", maxReplicas: 1, signals: [])
    }

    @Test func writesMatchDecisionEngineReplay() async throws {
        let runner = SimulationRunner(scenario: SimulationScenarios.smokeScenario)
        let world = runner.makeWorld(seed: 2, keepsJournal: true)
        _ = try await runner.runHeadroom(Self.target, seed: 2, world: world)
        let journal = world.journal
        // 480 s at one cycle per 15 s: cycles at 0, 15, …, 465.
        #expect(journal.count == 32)

        var history = ScalingHistory()
        var replayedWrites = 0
        for entry in journal {
            let spec = try #require(entry.specReplicas)
            let decision = DecisionEngine.decide(
                target: runner.boundTarget(Self.target),
                outcomes: entry.outcomes,
                specReplicas: spec,
                readyReplicas: try #require(entry.readyReplicas),
                history: history,
                now: SimulationRunner.epoch.addingTimeInterval(entry.time)
            )
            history = decision.history
            let expected = decision.desiredReplicas == spec ? nil : decision.desiredReplicas
            #expect(entry.written == expected, "cycle at \(entry.time) s")
            if expected != nil { replayedWrites += 1 }
        }
        // The ramp to 300/s needs at least ceil(300 / (35 × 1.1)) = 8 pods within the 10 %
        // tolerance, so the loop scaled up from 2.
        #expect(replayedWrites > 0)
        #expect(journal.compactMap(\.written).max() ?? 0 >= 8)
    }

    @Test func signalRangeComesFromTheQuery() throws {
        #expect(try SimulatedSignal(Self.target.signals[0]) == .requestRate(range: 120))
        #expect(try SimulatedSignal(Self.target.signals[1]) == .serverErrorRatio(range: 120))
        #expect(SimulatedSignal.duration("1m30s") == 90)
        #expect(SimulatedSignal.duration("500ms") == 0.5)
        #expect(SimulatedSignal.duration("1x") == nil)
    }

    @Test func otherQueriesRejectedNamingSignal() {
        var signal = Self.target.signals[0]
        signal.name = "custom"
        signal.query = "sum(rate(http_requests_total[1m]))"
        #expect(throws: SimulationError.unsupportedSignal(name: "custom", query: signal.query)) {
            try SimulatedSignal(signal)
        }
        let message = SimulationError.unsupportedSignal(name: "custom", query: signal.query).description
        #expect(message.contains("\"custom\""))
        #expect(message.contains("use replay for arbitrary PromQL"))
    }
}
