import Testing

@testable import Simulator

@Suite struct SimulatedObservationTests {
    @Test func observationKeepsWindows() {
        let observation = SimulatedObservation(
            time: 30,
            specReplicas: 2,
            readyPods: 2,
            unreadyPods: 0,
            requestRate: 60,
            concurrency: [6: 1.5, 60: 1.2]
        )
        #expect(observation.concurrency[6] == 1.5)
        #expect(observation.concurrency[60] == 1.2)
    }
}
