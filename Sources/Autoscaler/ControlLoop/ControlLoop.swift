import Foundation
import MetricsClient
import Observability
import Synchronization

/// The control loop: every interval, one batched read of all signals, then every target
/// reconciled concurrently up to a cap.
///
/// Decision history lives here between cycles, one `ScalingHistory` per target. A target whose
/// read or write fails is logged and reported while the others are still reconciled in the
/// same cycle. A slow target takes one of the `maxConcurrentTargets` slots until its requests
/// finish or reach the HTTP client's timeout.
///
/// NOTE: the next cycle starts only after every target of this one is reconciled, so a slow
/// target also delays the other targets' next cycle, by up to its request time.
public final class ControlLoop: Sendable {
    let signals: any SignalSource
    let scaler: any WorkloadScaler
    /// Records Events; `events` discards them while this instance may not write.
    let recorder: any EventRecorder
    let clock: any LoopClock
    let logger: Logger
    let metrics: LoopMetrics
    let configuration: ControlLoopConfiguration
    /// The policy in force for the current cycle, and one waiting to replace it at the start
    /// of the next.
    let policy: Mutex<LoadedPolicy>
    let pendingPolicy = Mutex<LoadedPolicy?>(nil)
    /// False while this instance may not write (a standby, or dry run), set at each cycle's start.
    let writing = Mutex<Bool>(true)
    let state = Mutex<[String: TargetState]>([:])
    /// The last decisions of each target, newest last, for `/debug/decisions`.
    let decisionLog = Mutex<[String: [RecordedDecision]]>([:])
    /// The freeze setting last announced by an Event, or nil while no freeze is in force.
    let announcedFreeze = Mutex<String?>(nil)
    let databaseMemory = Mutex<[String: DatabaseMemory]>([:])
    /// Each database's failed readings last cycle, so a failure is logged once when it starts.
    let databaseFailures = Mutex<[String: [String]]>([:])

    /// Targets and databases of one loaded policy.
    struct LoadedPolicy: Sendable {
        var targets: [TargetPolicy]
        var databases: [DatabasePolicy]
        var controls = PolicyControls()
    }

    /// The state the loop keeps for one target between cycles.
    struct TargetState: Sendable {
        var history = ScalingHistory()
        var scalingDisabled = false
        /// Signals without a usable value last cycle, so each is reported once when it fails.
        var invalidSignals: Set<String> = []
        /// Whether the last read of the workload failed, so a failure streak is logged once.
        var readFailing = false
        /// The last decision's conditions, so each change is reported once.
        var conditions = DecisionConditions()
        /// The target's last claim on its database budget, which stands in for its connections
        /// while its workload or pool size cannot be read.
        var lastClaim: BudgetClaim?
        /// Operator-control situations already announced by an Event, so each is announced once.
        var announced: Set<String> = []
        /// Failed reads or writes in a row, and when the next attempt may be made.
        var failures = 0
        var retryAt: Date?
    }

    public init(
        targets: [TargetPolicy],
        signals: any SignalSource,
        scaler: any WorkloadScaler,
        events: any EventRecorder,
        clock: any LoopClock,
        logger: Logger,
        metrics: LoopMetrics,
        configuration: ControlLoopConfiguration,
        databases: [DatabasePolicy] = [],
        controls: PolicyControls = PolicyControls()
    ) {
        self.policy = Mutex(LoadedPolicy(targets: targets, databases: databases, controls: controls))
        self.signals = signals
        self.scaler = scaler
        self.recorder = configuration.dryRun ? DiscardingEventRecorder() : events
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.configuration = configuration
        metrics.targetsConfigured.set(Double(targets.count))
    }

    /// Runs cycles until the calling task is cancelled. A cancelled task finishes the cycle
    /// in progress first, so no write is cut off halfway.
    public func run() async {
        logger.info(
            "control loop started",
            [
                "targets": .int(targets.count), "intervalSeconds": .double(configuration.interval.timeInterval),
                "dryRun": .bool(configuration.dryRun),
            ]
        )
        while !Task.isCancelled {
            let start = clock.now
            // An unstructured task does not inherit cancellation, so a shutdown signal lets
            // the cycle finish.
            _ = await Task { await self.runCycle() }.value
            let next = start.addingTimeInterval(configuration.interval.timeInterval)
            let end = clock.now
            if end >= next {
                metrics.overruns.add(1)
                logger.warning(
                    "cycle took longer than the interval; starting the next one at once",
                    [
                        "cycleSeconds": .double(end.timeIntervalSince(start)),
                        "intervalSeconds": .double(configuration.interval.timeInterval),
                    ]
                )
                continue
            }
            do {
                try await clock.sleep(until: next)
            } catch {
                break
            }
        }
        logger.info("control loop stopped")
    }

    /// Runs one cycle: reads every signal and workload, splits each database's budget among
    /// its targets, then reconciles every target.
    @discardableResult
    public func runCycle() async -> CycleReport {
        let start = clock.now
        applyPendingPolicy()
        let mayWrite = !configuration.dryRun && configuration.mayWrite()
        writing.withLock { $0 = mayWrite }
        await announceFreeze(at: start)
        let databaseQueries = databases.compactMap(\.queryTarget)
        let outcomes = await signals.outcomes(for: targets + databaseQueries, at: start)
        let reads = await forEachTarget { target -> Result<WorkloadState, any Error> in
            if let backoff = self.backingOff(target, at: start) { return .failure(backoff) }
            do {
                return .success(try await self.scaler.readWorkload(target))
            } catch {
                return .failure(error)
            }
        }
        let shares = budgetShares(outcomes: outcomes, reads: reads, now: clock.now)

        let results = await forEachTarget { target in
            await self.reconcile(
                target,
                outcomes: outcomes[target.identity] ?? [:],
                read: reads[target.identity] ?? .failure(ControlLoopError.notRead(target: target.identity)),
                budget: shares[target.identity]
            )
        }
        metrics.cycles.add(1)
        metrics.cycleDuration.observe(clock.now.timeIntervalSince(start))
        return CycleReport(outcomes: results, failedSignals: Self.failedSignals(outcomes, of: targets))
    }

    /// Returns the sorted names of each target's signals whose outcome is `.failed`, leaving
    /// out targets without one.
    static func failedSignals(_ outcomes: [String: [String: SampleOutcome]], of targets: [TargetPolicy])
        -> [String: [String]]
    {
        var failed: [String: [String]] = [:]
        for target in targets {
            let names = (outcomes[target.identity] ?? [:]).compactMap { name, outcome -> String? in
                if case .failed = outcome { return name }
                return nil
            }
            if !names.isEmpty { failed[target.identity] = names.sorted() }
        }
        return failed
    }

    /// Runs `body` for every target, at most `maxConcurrentTargets` at once, and returns the
    /// results by target identity.
    func forEachTarget<Value: Sendable>(_ body: @escaping @Sendable (TargetPolicy) async -> Value) async
        -> [String: Value]
    {
        await withTaskGroup(of: (String, Value).self) { group in
            var pending = targets[...]
            var results: [String: Value] = [:]
            for _ in 0..<configuration.maxConcurrentTargets {
                guard let target = pending.popFirst() else { break }
                group.addTask { (target.identity, await body(target)) }
            }
            for await (identity, result) in group {
                results[identity] = result
                if let target = pending.popFirst() {
                    group.addTask { (target.identity, await body(target)) }
                }
            }
            return results
        }
    }

    /// The targets in force for the current cycle.
    var targets: [TargetPolicy] { policy.withLock { $0.targets } }

    /// The databases in force for the current cycle.
    var databases: [DatabasePolicy] { policy.withLock { $0.databases } }

    /// The policy-wide controls in force for the current cycle.
    var controls: PolicyControls { policy.withLock { $0.controls } }

    /// The Event recorder, or one that discards while this instance may not write.
    var events: any EventRecorder { writing.withLock { $0 } ? recorder : DiscardingEventRecorder() }

    func history(of target: TargetPolicy) -> TargetState {
        state.withLock { $0[target.identity] ?? TargetState() }
    }

    func update(_ target: TargetPolicy, _ change: (inout TargetState) -> Void) {
        state.withLock { change(&$0[target.identity, default: TargetState()]) }
    }
}
