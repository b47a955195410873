import Autoscaler
import Foundation
import Testing

/// History and decisions survive JSON encoding, so a controller can persist them.
struct ScalingHistoryCodingTests {
    @Test func historyRoundTripsThroughJSON() throws {
        let target = EngineFixture.target(max: 20, signals: [EngineFixture.perReplica(1000)])
        let steps = [
            EngineFixture.Step(
                time: 0,
                outcomes: ["queue": .failed(reason: "HTTP 503")],
                expected: 3,
                reason: .metricUnavailable
            ),
            // ceil(20000 / 1000) = 20; limit max(3 × 2 = 6, 3 + 4 = 7) = 7.
            EngineFixture.Step(
                time: 15,
                outcomes: ["queue": EngineFixture.value(20000)],
                expected: 7,
                reason: .scaleUpLimit
            ),
        ]
        let decisions = EngineFixture.run(target, from: 3, steps)
        expectTimeline(decisions, steps)
        let history = try #require(decisions.last?.history)
        // Only the valid cycle records a recommendation: the failed one records none.
        #expect(history.recommendations == [.init(time: EngineFixture.at(15), replicas: 20)])
        #expect(history.scaleEvents == [.init(time: EngineFixture.at(15), change: 4)])
        // The failed cycle left 3 recovery cycles; the valid one used one.
        #expect(history.pendingRecoveryCycles == ["queue": 2])

        let data = try JSONEncoder().encode(history)
        let decoded = try JSONDecoder().decode(ScalingHistory.self, from: data)
        #expect(decoded == history)

        let decision = try #require(decisions.last)
        let decodedDecision = try JSONDecoder().decode(Decision.self, from: try JSONEncoder().encode(decision))
        #expect(decodedDecision == decision)
    }
}
