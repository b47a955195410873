import Foundation
import KubeClient
import Synchronization

/// A `KubeClock` that moves only when the test calls `advance(by:)`, and records each sleep.
final class ManualKubeClock: KubeClock {
    private struct Sleeper {
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: ContinuousClock.Instant
        var sleepers: [Sleeper] = []
        var sleeps: [Duration] = []
    }

    private let state = Mutex(State(now: ContinuousClock.now))
    /// When true, `sleep(for:)` moves time itself and returns at once.
    let advancesOnSleep: Bool

    init(advancesOnSleep: Bool) {
        self.advancesOnSleep = advancesOnSleep
    }

    var now: ContinuousClock.Instant { state.withLock { $0.now } }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    func sleep(for duration: Duration) async throws {
        if advancesOnSleep {
            state.withLock {
                $0.sleeps.append(duration)
                $0.now = $0.now + duration
            }
            return
        }
        await withCheckedContinuation { continuation in
            state.withLock {
                $0.sleeps.append(duration)
                $0.sleepers.append(Sleeper(deadline: $0.now + duration, continuation: continuation))
            }
        }
    }

    func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now + duration
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}

/// Polls `condition` every millisecond for at most `limit`; returns whether it became true.
func eventually(within limit: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return await condition()
}
