import Foundation
import Testing

@testable import Autoscaler

struct ManualClockTests {
    @Test func sleeperWakesOnlyAtDeadline() async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1000))
        let task = Task { try await clock.sleep(for: .seconds(15)) }
        while clock.sleeperCount == 0 { await Task.yield() }

        clock.advance(by: .seconds(14))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await task.value
        #expect(clock.sleeperCount == 0)
        #expect(clock.now == Date(timeIntervalSince1970: 1015))
    }

    @Test func pastDeadlineReturnsAtOnce() async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1000))
        try await clock.sleep(until: Date(timeIntervalSince1970: 999))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellationThrows() async throws {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        while clock.sleeperCount == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func durationSeconds() {
        #expect(Duration.milliseconds(1500).timeInterval == 1.5)
        #expect(Duration.seconds(-2).timeInterval == -2)
    }
}
