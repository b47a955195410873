import Autoscaler
import FleetModel
import Foundation
import MetricsClient
import Synchronization

/// The fleet and the Prometheus that scrapes it, shared by the run driver, the signal source
/// and the scaler. The control loop reaches them from its own tasks, so they are behind a lock.
/// The driver touches them only between cycles, so the lock is not contended.
public final class SimulationWorld: Sendable {
    struct State: Sendable {
        var fleet: Fleet
        var prometheus: VirtualPrometheus
        /// Pods Ready, and created but not yet Ready, at the end of the last tick.
        var readyPods: Int
        var unreadyPods: Int
        /// Bumped on every replica write, as the API server bumps resourceVersion.
        var resourceVersion = 1
        /// Every cycle's inputs and write, when the world keeps a journal.
        var journal: [CycleJournalEntry]?
    }

    let state: Mutex<State>
    /// The wall-clock date of model second 0, so that `Date`s of the control loop map to model time.
    public let epoch: Date

    public init(fleet: Fleet, prometheus: VirtualPrometheus, epoch: Date, keepsJournal: Bool = false) {
        let snapshot = fleet.snapshot
        state = Mutex(
            State(
                fleet: fleet,
                prometheus: prometheus,
                readyPods: snapshot.count(.ready),
                unreadyPods: snapshot.count(.pending) + snapshot.count(.starting),
                journal: keepsJournal ? [] : nil
            )
        )
        self.epoch = epoch
    }

    /// Model seconds at `date`.
    public func modelTime(_ date: Date) -> Double {
        date.timeIntervalSince(epoch)
    }

    public func withFleet<Result>(_ body: (inout Fleet) -> Result) -> Result {
        state.withLock { body(&$0.fleet) }
    }

    public func withPrometheus<Result>(_ body: (inout VirtualPrometheus) -> Result) -> Result {
        state.withLock { body(&$0.prometheus) }
    }
}

extension SimulationWorld {
    /// The journal so far: one entry per signal read of the control loop.
    public var journal: [CycleJournalEntry] {
        state.withLock { $0.journal ?? [] }
    }
}

/// The inputs and the write of one control loop cycle, so a test can replay the decisions.
public struct CycleJournalEntry: Sendable, Equatable {
    /// Model seconds of the cycle.
    public var time: Double
    /// The outcomes handed to the loop for the single target, by signal name.
    public var outcomes: [String: SampleOutcome]
    /// The outcomes of the databases' queries read in the same batch, by database name, then
    /// by reading (`DatabasePolicy.Reading` raw value).
    public var databaseOutcomes: [String: [String: SampleOutcome]] = [:]
    /// `spec.replicas` and Ready pods of the cycle's first workload read.
    public var specReplicas: Int?
    public var readyReplicas: Int?
    /// The pods of that read, when the target needs them.
    public var pods: [PodState]?
    /// The replica count written, if any.
    public var written: Int?
}
