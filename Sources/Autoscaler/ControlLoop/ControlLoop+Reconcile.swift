import Foundation
import MetricsClient
import Observability

extension ControlLoop {
    /// Reads the workload, decides, and writes when the decision differs from `spec.replicas`.
    func reconcile(
        _ target: TargetPolicy,
        outcomes: [String: SampleOutcome],
        read: Result<WorkloadState, any Error>,
        budget: BudgetShare?
    ) async -> TargetOutcome {
        let log = logger.with(["target": .string(target.identity)])
        let labels = LoopMetrics.labels(target)
        // Created at 0, so rate() and increase() see a target's first failure.
        for operation in ["read", "write"] where metrics.errors.value(labels: labels + [operation]) == nil {
            metrics.errors.add(0, labels: labels + [operation])
        }

        let workload: WorkloadState
        switch read {
        case .success(let state):
            workload = state
        case .failure(let error as BackingOff):
            log.debug("reading the workload skipped", ["error": .string("\(error)")])
            return .failed("reading \(target.identity) \(error)")
        case .failure(let error):
            recordFailure(target, at: clock.now, error: error)
            if let answer = error as? any APIServerError, answer.serverResponded {
                metrics.activity.apiResponded(at: clock.now)
            }
            metrics.errors.add(1, labels: labels + ["read"])
            recordUnableToScale(target)
            // Logged at error once per failure streak; the Event's count keeps the tally.
            let alreadyFailing = history(of: target).readFailing
            log.log(alreadyFailing ? .debug : .error, "reading the workload failed", ["error": .string("\(error)")])
            update(target) { $0.readFailing = true }
            await events.record(TargetEvent(target: target, reason: .failedGetScale, message: "\(error)"))
            return .failed("reading \(target.identity) failed: \(error)")
        }

        if history(of: target).readFailing {
            log.info("reading the workload works again")
            update(target) { $0.readFailing = false }
            recordSuccess(target)
        }
        await trackOutsideWriter(target, workload: workload, log: log)
        let previous = history(of: target)
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: outcomes,
            specReplicas: workload.specReplicas,
            readyReplicas: workload.readyReplicas,
            pods: workload.pods,
            budget: budget,
            history: previous.history,
            now: clock.now
        )
        // The control is read before anything is recorded, so the decision log, the metrics and
        // the log record show what happened. A hold keeps the current count, and a pin sets its own.
        let control = await control(target, workload: workload, log: log)
        // A hand scale to 0 parks the target, unless a pin (the operator's explicit count) applies.
        let parked = decision.reason == .scalingDisabled && !control.isPin
        let recorded = parked ? decision : Self.controlled(decision, by: control, at: clock.now)
        recordDecision(recorded, target: target, workload: workload, at: clock.now)
        recordDecisionMetrics(recorded, target: target)
        await reportConditions(recorded, target: target, previous: previous.conditions, log: log)
        metrics.currentReplicas.set(Double(recorded.currentReplicas), labels: labels)
        metrics.desiredReplicas.set(Double(recorded.desiredReplicas), labels: labels)
        metrics.decisions.add(1, labels: labels + [recorded.reason.rawValue])
        // A parked target has no ready pods, so its ratio signals are invalid by design; only
        // ScalingDisabled is reported for it, not a FailedGetMetric warning per signal.
        await reportSignals(recorded, target: target, previous: previous, reportInvalid: !parked, log: log)

        if parked {
            return await disableScaling(decision, target: target, wasDisabled: previous.scalingDisabled, log: log)
        }
        if previous.scalingDisabled {
            metrics.scalingDisabled.set(0, labels: labels)
            update(target) { $0.scalingDisabled = false }
            if workload.specReplicas > 0 {
                log.info(
                    "autoscaling resumed: the workload was scaled above 0",
                    ["currentReplicas": .int(workload.specReplicas)]
                )
                let message = "autoscaling resumed at \(workload.specReplicas) replicas"
                await events.record(TargetEvent(target: target, reason: .scalingEnabled, message: message))
            } else {
                log.debug("a pin applies to the workload scaled to 0 by hand")
            }
        }

        switch control {
        case .none:
            break
        case .hold(_, let message):
            log.debug("holding: \(message)", Self.fields(recorded))
            update(target) { $0.history = decision.historyIfNotWritten }
            return .held(replicas: recorded.currentReplicas, reason: recorded.reason)
        case .pin(let count, let message):
            guard count != decision.currentReplicas, decision.mode == .scale, isWriting else {
                log.debug("holding: \(message)", Self.fields(recorded))
                update(target) { $0.history = decision.historyIfNotWritten }
                return .held(replicas: decision.currentReplicas, reason: .pinned)
            }
            log.debug("writing the pinned count: \(message)")
            return await write(recorded, target: target, workload: workload, log: log)
        }

        guard decision.desiredReplicas != decision.currentReplicas else {
            log.debug("holding", Self.fields(decision))
            update(target) {
                $0.history = decision.history
                $0.scalingDisabled = false
                $0.failures = 0
                $0.retryAt = nil
            }
            return .unchanged(replicas: decision.currentReplicas)
        }

        if decision.mode == .observe || !isWriting {
            let mode = configuration.dryRun ? "dry run" : decision.mode == .observe ? "observe mode" : "standby"
            log.info("\(mode): would scale", Self.fields(decision))
            metrics.actions.add(1, labels: labels + [Self.direction(decision), "true"])
            update(target) {
                $0.history = decision.historyIfNotWritten
                $0.scalingDisabled = false
            }
            return .wouldScale(from: decision.currentReplicas, to: decision.desiredReplicas)
        }

        return await write(decision, target: target, workload: workload, log: log)
    }

    /// Leaves a workload that a person scaled to 0 at 0, reporting it once when it happens.
    private func disableScaling(_ decision: Decision, target: TargetPolicy, wasDisabled: Bool, log: Logger) async
        -> TargetOutcome
    {
        metrics.scalingDisabled.set(1, labels: LoopMetrics.labels(target))
        if !wasDisabled {
            let message =
                "scaled to 0 by hand while minReplicas is \(target.minReplicas); "
                + "autoscaling is off until the workload is scaled above 0"
            log.warning("autoscaling disabled: \(message)")
            await events.record(TargetEvent(target: target, reason: .scalingDisabled, message: message))
        }
        update(target) {
            $0.history = decision.history
            $0.scalingDisabled = true
        }
        return .scalingDisabled
    }

    /// Writes `decision` with the read's resourceVersion. On a conflict the workload is read
    /// again. When only its status moved, the write is retried once. When someone else changed
    /// `spec.replicas`, their value is kept and reported, and the next cycle decides from it.
    private func write(_ decision: Decision, target: TargetPolicy, workload: WorkloadState, log: Logger) async
        -> TargetOutcome
    {
        let labels = LoopMetrics.labels(target)
        do {
            var result = try await scaler.writeReplicas(
                decision.desiredReplicas,
                to: target,
                resourceVersion: workload.resourceVersion
            )
            if result == .conflict {
                let fresh = try await scaler.readWorkload(target)
                guard fresh.specReplicas == workload.specReplicas else {
                    return await keepOutsideChange(decision, target: target, outside: fresh.specReplicas, log: log)
                }
                log.debug(
                    "status changed between read and write; retrying once",
                    ["resourceVersion": .string(fresh.resourceVersion)]
                )
                result = try await scaler.writeReplicas(
                    decision.desiredReplicas,
                    to: target,
                    resourceVersion: fresh.resourceVersion
                )
            }
            guard result == .written else {
                throw ControlLoopError.conflictAfterRetry(target: target.identity)
            }
        } catch {
            recordFailure(target, at: clock.now, error: error)
            metrics.errors.add(1, labels: labels + ["write"])
            recordUnableToScale(target)
            log.error(
                "writing the replica count failed",
                Self.fields(decision).merging(["error": .string("\(error)")]) { $1 }
            )
            let message = "New size: \(decision.desiredReplicas); reason: \(decision.reason.rawValue); error: \(error)"
            await events.record(TargetEvent(target: target, reason: .failedRescale, message: message))
            update(target) { $0.history = decision.historyIfNotWritten }
            return .failed("writing \(target.identity) failed: \(error)")
        }

        metrics.actions.add(1, labels: labels + [Self.direction(decision), "false"])
        metrics.currentReplicas.set(Double(decision.desiredReplicas), labels: labels)
        log.info("scaled", Self.fields(decision))
        let message = "New size: \(decision.desiredReplicas); reason: \(decision.message)"
        await events.record(TargetEvent(target: target, reason: .successfulRescale, message: message))
        update(target) {
            $0.history = decision.history
            $0.scalingDisabled = false
            $0.history.outsideWriters.lastWritten = decision.desiredReplicas
            $0.failures = 0
            $0.retryAt = nil
        }
        return .scaled(from: decision.currentReplicas, to: decision.desiredReplicas)
    }

    private func keepOutsideChange(_ decision: Decision, target: TargetPolicy, outside: Int, log: Logger) async
        -> TargetOutcome
    {
        let message =
            "spec.replicas changed from \(decision.currentReplicas) to \(outside) by another writer "
            + "before Headroom wrote \(decision.desiredReplicas); keeping \(outside)"
        log.info("kept an outside change", ["outsideReplicas": .int(outside)].merging(Self.fields(decision)) { $1 })
        await events.record(TargetEvent(target: target, reason: .outsideRescale, message: message))
        metrics.currentReplicas.set(Double(outside), labels: LoopMetrics.labels(target))
        update(target) { $0.history = decision.historyIfNotWritten }
        return .outsideChange(from: decision.currentReplicas, to: outside)
    }

    /// Logs every signal at debug and, unless `reportInvalid` is false, each signal that became
    /// invalid once at warning with a `FailedGetMetric` Event. The Event's message is stable
    /// across cycles, so the recorder folds repeats into a count.
    private func reportSignals(
        _ decision: Decision,
        target: TargetPolicy,
        previous: TargetState,
        reportInvalid: Bool,
        log: Logger
    ) async {
        var invalid = Set<String>()
        for report in decision.signals {
            var fields: [String: LogValue] = [
                "signal": .string(report.name), "status": .string(report.status.rawValue),
            ]
            if let value = report.value { fields["value"] = .double(value) }
            if let age = report.ageSeconds { fields["ageSeconds"] = .double(age) }
            if let proposal = report.proposal { fields["proposal"] = .int(proposal) }
            if let detail = report.detail { fields["detail"] = .string(detail) }
            log.debug("signal", fields)

            guard !report.status.isValid, reportInvalid else { continue }
            invalid.insert(report.name)
            let detail = report.status == .failed ? report.detail.map { ": \($0)" } ?? "" : ""
            let message = "signal \(report.name) has no usable value (\(report.status.rawValue))\(detail)"
            if !previous.invalidSignals.contains(report.name) {
                log.warning("signal has no usable value", fields)
            }
            await events.record(TargetEvent(target: target, reason: .failedGetMetric, message: message))
        }
        update(target) { $0.invalidSignals = invalid }
    }

    /// Returns `decision` as `control` changes it. A hold keeps the current count with the hold's
    /// reason, and a pin sets its count. The engine stays pure, because the loop applies controls.
    static func controlled(_ decision: Decision, by control: Control, at now: Date) -> Decision {
        switch control {
        case .none:
            return decision
        case .hold(let reason, _):
            return Decision(
                currentReplicas: decision.currentReplicas,
                desiredReplicas: decision.currentReplicas,
                wantedReplicas: decision.wantedReplicas,
                reason: reason,
                limits: decision.limits + [reason],
                signals: decision.signals,
                conditions: decision.conditions,
                mode: decision.mode,
                history: decision.historyIfNotWritten,
                historyIfNotWritten: decision.historyIfNotWritten
            )
        case .pin(let count, _):
            return pinned(decision, to: count, at: now)
        }
    }

    /// `decision` changed to hold the target at a pinned `count`, with the change recorded for
    /// the rate policies.
    static func pinned(_ decision: Decision, to count: Int, at now: Date) -> Decision {
        var history = decision.historyIfNotWritten
        history.scaleEvents.append(.init(time: now, change: count - decision.currentReplicas))
        return Decision(
            currentReplicas: decision.currentReplicas,
            desiredReplicas: count,
            wantedReplicas: decision.wantedReplicas,
            reason: .pinned,
            limits: decision.limits + [.pinned],
            signals: decision.signals,
            conditions: decision.conditions,
            mode: decision.mode,
            history: history,
            historyIfNotWritten: decision.historyIfNotWritten
        )
    }

    static func fields(_ decision: Decision) -> [String: LogValue] {
        var fields: [String: LogValue] = [
            "currentReplicas": .int(decision.currentReplicas),
            "desiredReplicas": .int(decision.desiredReplicas),
            "reason": .string(decision.reason.rawValue),
            "explanation": .string(decision.message),
        ]
        if !decision.limits.isEmpty {
            fields["limits"] = .string(decision.limits.map(\.rawValue).joined(separator: ","))
        }
        return fields
    }

    static func direction(_ decision: Decision) -> String {
        decision.desiredReplicas > decision.currentReplicas ? "up" : "down"
    }
}

/// Failures of the loop itself, as opposed to those of its clients.
public enum ControlLoopError: Error, CustomStringConvertible {
    case conflictAfterRetry(target: String)
    /// The cycle has no read of the target; a bug in the loop, reported instead of a crash.
    case notRead(target: String)

    public var description: String {
        switch self {
        case .conflictAfterRetry(let target):
            "the write to \(target) conflicted twice although spec.replicas had not changed; "
                + "the next cycle reads it again"
        case .notRead(let target):
            "the cycle has no read of \(target); the next cycle reads it again"
        }
    }
}
