import Autoscaler
import Foundation
import Synchronization

/// Ties the control loop's writes and saved history to leadership. In each new term the
/// saved histories are restored before the loop may write, so a new leader does not scale down
/// on a window it never saw. While leading, the histories are saved when they changed and an
/// interval has passed since the last save, and once more on shutdown.
final class LeaderStateKeeper: Sendable {
    let elector: LeaderElector
    let history: HistoryStateStore
    private let clock: any LoopClock
    /// Seconds between saves; the loop's interval.
    private let saveInterval: Double
    private let progress = Mutex(Progress())

    private struct Progress {
        /// The elector term whose saved state has been restored.
        var restoredTerm = 0
        var lastSave: Date?
    }

    /// The action one `step` took.
    enum Step: Equatable {
        case standby
        case restored(targets: Int)
        case saved(bytes: Int)
        case unchanged
        case saveFailed
    }

    init(elector: LeaderElector, history: HistoryStateStore, clock: any LoopClock, saveInterval: Double) {
        self.elector = elector
        self.history = history
        self.clock = clock
        self.saveInterval = saveInterval
    }

    /// True while this instance leads and has restored the saved state of its current term.
    var mayWrite: Bool {
        let term = elector.term
        return elector.isLeader && progress.withLock { $0.restoredTerm } == term
    }

    /// Restores the saved histories once per term, then saves when an interval has passed.
    func step(loop: ControlLoop) async -> Step {
        guard elector.isLeader else { return .standby }
        let term = elector.term
        if progress.withLock({ $0.restoredTerm }) != term {
            let saved = await history.load()
            if let saved { loop.restore(histories: saved) }
            progress.withLock { $0.restoredTerm = term }
            return .restored(targets: saved?.count ?? 0)
        }
        let now = clock.now
        if let last = progress.withLock({ $0.lastSave }), now.timeIntervalSince(last) < saveInterval {
            return .unchanged
        }
        guard let bytes = await history.save(loop.histories(), at: now) else { return .saveFailed }
        progress.withLock { $0.lastSave = now }
        return bytes == 0 ? .unchanged : .saved(bytes: bytes)
    }

    /// Steps every `period` seconds until the task is cancelled.
    func run(loop: ControlLoop, period: Double) async {
        while !Task.isCancelled {
            _ = await step(loop: loop)
            do {
                try await clock.sleep(for: .seconds(period))
            } catch {
                return
            }
        }
    }

    /// Saves the latest histories while still leading, then releases the Lease; on shutdown.
    func finish(loop: ControlLoop) async {
        if mayWrite { await history.save(loop.histories(), at: clock.now) }
        await elector.release()
    }
}
