import FleetTestbed
import Foundation
import Testing

@Suite struct TickBudgetTests {
    /// At 10× compression a tick has 100 ms of wall time. At 100 pods it must use a small part
    /// of it, even in a debug build on a shared machine.
    @Test func tickAtOneHundredPodsFitsTenfoldCompression() throws {
        let fixture = try TestbedFixture(replicas: 100, compression: 10)
        for _ in 0..<20 { try fixture.testbed.step(arrivals: 4000) }

        let durations = fixture.testbed.tickDurations
        let mean = durations.reduce(0, +) / Double(durations.count)
        print("tick at 100 pods: mean \(mean) ms, max \(durations.max() ?? 0) ms over \(durations.count) ticks")

        #expect(durations.count == 20)
        #expect(mean < 50, "mean tick \(mean) ms leaves too little of the 100 ms budget")
        #expect(fixture.testbed.snapshot.pods.count == 100)
    }
}
