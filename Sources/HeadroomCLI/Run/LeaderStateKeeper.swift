import Autoscaler
import Foundation
import Synchronization

/// Ties the control loop's writes and saved history to leadership. In each new term the saved
/// histories are loaded, then put into the loop at the start of its next cycle, before that cycle
/// reads them and before the loop may write. So a new leader does not scale down on a window it
/// never saw, and a cycle already running cannot overwrite the restored histories. While leading, the histories are saved when they changed and an
/// interval has passed since the last save, and once more on shutdown.
///
/// A transient failure to read the saved state (a timeout, 429 or 5xx) is retried at each step,
/// up to `maxLoadAttempts` reads, and the loop writes nothing meanwhile. Starting without state
/// after such a failure would let the new leader decide on its own history and then overwrite
/// the saved state with it. Without usable state (missing, corrupt, a newer version, or reads
/// that failed after the retries) every target starts afresh at the first cycle of the term:
/// scale-up is allowed and scale-down waits one window, as after a restart.
final class LeaderStateKeeper: Sendable {
    let elector: LeaderElector
    let history: HistoryStateStore
    private let clock: any LoopClock
    /// Seconds between saves; the loop's interval.
    private let saveInterval: Double
    private let progress = Mutex(Progress())
    private let attached = Mutex<ControlLoop?>(nil)

    /// Reads of the saved state per term before a transient failure counts as no usable state.
    static let maxLoadAttempts = 5

    private struct Progress {
        /// The elector term whose saved state has been read.
        var loadedTerm = 0
        /// Failed reads of the saved state in `failedLoadTerm`.
        var failedLoads = 0
        var failedLoadTerm = 0
        /// The state read in `loadedTerm`, kept until a cycle start puts it into the loop.
        var pending: Loaded?
        /// The elector term whose saved state is in the loop.
        var restoredTerm = 0
        var lastSave: Date?
    }

    /// The outcome of reading the saved state in one term.
    private enum Loaded {
        /// Usable saved histories, restored into the loop.
        case histories([String: ScalingHistory])
        /// No usable state, such as missing, corrupt, a newer version, or reads that failed after
        /// the retries. Every target starts afresh, so scale-down waits one window.
        case unusable
    }

    /// The action one `step` took.
    enum Step: Equatable {
        case standby
        case loaded(targets: Int)
        /// A transient read failure. The next step reads again.
        case loadFailed(attempts: Int)
        /// The loaded state waits for the next cycle start.
        case awaitingCycle
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

    /// Sets the loop that `beginCycle` restores into; called once, after the loop is built.
    func attach(_ loop: ControlLoop) {
        attached.withLock { $0 = loop }
    }

    /// Returns whether the cycle that starts now may write, and first puts the histories loaded
    /// in this term into the loop. The loop calls it at the start of each cycle, before it reads
    /// any history.
    func beginCycle() -> Bool {
        guard elector.isLeader else { return false }
        let term = elector.term
        let (ready, pending) = progress.withLock { progress -> (Bool, Loaded?) in
            if progress.restoredTerm == term { return (true, nil) }
            guard progress.loadedTerm == term else { return (false, nil) }
            progress.restoredTerm = term
            defer { progress.pending = nil }
            return (true, progress.pending)
        }
        let loop = attached.withLock { $0 }
        switch pending {
        case .histories(let histories): loop?.restore(histories: histories)
        case .unusable: loop?.restartHistories(at: clock.now)
        case nil: break
        }
        return ready
    }

    /// True while this instance leads and the saved state of its term is in the loop.
    var hasRestored: Bool {
        let term = elector.term
        return elector.isLeader && progress.withLock { $0.restoredTerm } == term
    }

    /// Loads the saved histories once per term. Once a cycle has put them into the loop, it saves
    /// the loop's histories when an interval has passed. Before that it saves nothing, so a
    /// standby's own history never replaces the saved one.
    func step(loop: ControlLoop) async -> Step {
        guard elector.isLeader else { return .standby }
        let term = elector.term
        if progress.withLock({ $0.loadedTerm }) != term {
            let failedBefore = progress.withLock { $0.failedLoadTerm == term ? $0.failedLoads : 0 }
            let retrying = failedBefore + 1 < Self.maxLoadAttempts
            guard case .loaded(let saved) = await history.attemptLoad(retrying: retrying) else {
                progress.withLock { progress in
                    progress.failedLoadTerm = term
                    progress.failedLoads = failedBefore + 1
                }
                return .loadFailed(attempts: failedBefore + 1)
            }
            progress.withLock { progress in
                progress.loadedTerm = term
                progress.pending = saved.map(Loaded.histories) ?? .unusable
            }
            return .loaded(targets: saved?.count ?? 0)
        }
        guard progress.withLock({ $0.restoredTerm }) == term else { return .awaitingCycle }
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
        if hasRestored { await history.save(loop.histories(), at: clock.now) }
        await elector.release()
    }
}
