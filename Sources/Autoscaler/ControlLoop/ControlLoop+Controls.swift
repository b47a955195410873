import Foundation
import Observability

extension ControlLoop {
    /// What the operator controls and conflicts decide for a target this cycle.
    enum Control {
        /// No control applies; the decision stands.
        case none
        /// Write nothing and keep the current count.
        case hold(DecisionReason, message: String)
        /// Hold the target at this count, written if it differs.
        case pin(Int, message: String)

        var isPin: Bool {
            if case .pin = self { return true }
            return false
        }
    }

    /// Records one `HeldByOperator` Event when the policy's freeze starts or its setting changes,
    /// instead of one per target, because the freeze is one setting of the policy. The Event is
    /// about the policy: `run` records it on the `--policy-configmap` ConfigMap when given, else
    /// on the policy's first target. Each held target still logs its hold at debug and records the decision `Frozen`.
    /// Nothing is recorded while this instance may not write, so a new leader announces a
    /// freeze that is in force when it takes over.
    func announceFreeze(at now: Date) async {
        guard isWriting else { return }
        let controls = self.controls
        let targets = self.targets
        let key: String? =
            controls.isFrozen(at: now) ? "freeze:" + (controls.freezeUntil.map(Self.rfc3339) ?? "") : nil
        let changed = announcedFreeze.withLock { announced in
            defer { announced = key }
            return announced != key
        }
        guard changed, key != nil, let first = targets.first else { return }
        let until = controls.freezeUntil.map { " until \(Self.rfc3339($0))" } ?? ""
        let count = targets.count == 1 ? "1 target" : "\(targets.count) targets"
        let message =
            "the policy freezes every target\(until); no replica count is written to its \(count). "
            + "This one Event is for all of them"
        logger.info("operator control", ["reason": .string("Frozen"), "message": .string(message)])
        await events.record(TargetEvent(target: first, reason: .heldByOperator, message: message, isAboutPolicy: true))
    }

    /// Counts an override of `spec.replicas` by another field manager since Headroom's last
    /// write, and stops writing to the target once one manager overrode it
    /// `maxOutsideOverrides` times within the window.
    func trackOutsideWriter(_ target: TargetPolicy, workload: WorkloadState, log: Logger) async {
        let now = clock.now
        let controls = self.controls
        var event: TargetEvent?
        update(target) { state in
            var writers = state.history.outsideWriters
            defer { state.history.outsideWriters = writers }
            guard let written = writers.lastWritten, workload.specReplicas != written else { return }
            writers.lastWritten = nil
            let manager = workload.replicasManager ?? "an unknown field manager"
            guard manager != configuration.fieldManager else { return }
            let window = Double(controls.outsideOverrideWindowSeconds)
            writers.overrides = writers.overrides.filter { now.timeIntervalSince($0.time) < window }
            writers.overrides.append(.init(time: now, manager: manager))
            let count = writers.overrides.filter { $0.manager == manager }.count
            if count >= controls.maxOutsideOverrides, writers.conflictingManager == nil {
                writers.conflictingManager = manager
                event = TargetEvent(
                    target: target,
                    reason: .conflictingWriter,
                    message:
                        "\(manager) set spec.replicas \(count) times within \(controls.outsideOverrideWindowSeconds) s "
                        + "(last from \(written) to \(workload.specReplicas)); Headroom stops writing to this target. "
                        + "Stop \(manager) from setting spec.replicas (leave the field out of its manifest), then "
                        + "reload the policy"
                )
            } else {
                event = TargetEvent(
                    target: target,
                    reason: .outsideRescale,
                    message: "\(manager) changed spec.replicas from \(written) to \(workload.specReplicas) "
                        + "(\(count) of \(controls.maxOutsideOverrides) overrides allowed within "
                        + "\(controls.outsideOverrideWindowSeconds) s)"
                )
            }
        }
        if let event {
            log.log(
                event.reason == .conflictingWriter ? .warning : .info,
                "spec.replicas changed by another writer",
                ["message": .string(event.message)]
            )
            await events.record(event)
        }
    }

    /// Returns the control that applies to `target` now, announcing each new situation once
    /// with an Event (the policy's freeze once for all targets, by `announceFreeze`). The order: an HPA, a conflicting writer, the policy's freeze, a pause, a pin.
    func control(_ target: TargetPolicy, workload: WorkloadState, log: Logger) async -> Control {
        let now = clock.now
        var notices: [(key: String, reason: EventReason, message: String)] = []
        var result = Control.none
        let state = history(of: target)

        if let hpa = workload.horizontalPodAutoscaler, target.mode == .scale {
            let message =
                "HorizontalPodAutoscaler \(hpa) scales \(target.identity), so Headroom does not write to it; "
                + "delete the HPA (or the KEDA ScaledObject that created it), or set the target's mode to observe"
            notices.append(("hpa:\(hpa)", .conflictingHPA, message))
            result = .hold(.scaledByHPA, message: message)
        } else if let manager = state.history.outsideWriters.conflictingManager {
            result = .hold(.conflictingWriter, message: "\(manager) keeps overriding spec.replicas")
        } else if controls.isFrozen(at: now) {
            // Announced once for the whole policy by `announceFreeze`, not per target.
            let until = controls.freezeUntil.map { " until \(Self.rfc3339($0))" } ?? ""
            result = .hold(.frozen, message: "the policy freezes every target\(until); no replica count is written")
        }

        let annotations = workload.annotations
        var paused = false
        if let value = annotations[TargetAnnotations.paused] {
            switch Self.pause(value, now: now) {
            case .active(let until):
                paused = true
                let message =
                    "paused by \(TargetAnnotations.paused)=\(value)"
                    + (until.map { ", until \(Self.rfc3339($0))" } ?? "")
                notices.append(("pause:\(value)", .heldByOperator, message))
                if case .none = result { result = .hold(.paused, message: message) }
            case .expired:
                notices.append(
                    (
                        "pause-expired:\(value)", .annotationExpired,
                        "\(TargetAnnotations.paused)=\(value) has expired and is ignored"
                    )
                )
            case .invalid:
                notices.append(
                    (
                        "pause-invalid:\(value)", .invalidAnnotation,
                        "\(TargetAnnotations.paused)=\(value) is not \"true\" or an RFC 3339 time such as "
                            + "2026-12-24T14:00:00Z; it is ignored"
                    )
                )
            }
        }
        if let value = annotations[TargetAnnotations.pinReplicas], !paused {
            let untilText = annotations[TargetAnnotations.pinUntil]
            let until = untilText.flatMap(Self.parseTime)
            if let count = Int(value.trimmingCharacters(in: .whitespaces)), count >= 0,
                untilText == nil || until != nil
            {
                if let until, until <= now {
                    notices.append(
                        (
                            "pin-expired:\(value):\(untilText ?? "")", .annotationExpired,
                            "\(TargetAnnotations.pinReplicas)=\(value) ended at \(untilText ?? "") and is ignored"
                        )
                    )
                } else {
                    let bounded = min(max(count, target.minReplicas), target.maxReplicas)
                    var message = "pinned at \(bounded) by \(TargetAnnotations.pinReplicas)=\(value)"
                    if bounded != count {
                        message += " (within minReplicas \(target.minReplicas) and maxReplicas \(target.maxReplicas))"
                    }
                    if let untilText { message += " until \(untilText)" }
                    notices.append(("pin:\(value):\(untilText ?? "")", .heldByOperator, message))
                    if case .none = result { result = .pin(bounded, message: message) }
                }
            } else {
                let countValid = Int(value.trimmingCharacters(in: .whitespaces)).map { $0 >= 0 } ?? false
                let problem =
                    countValid
                    ? "\(TargetAnnotations.pinUntil)=\(untilText ?? "") is not an RFC 3339 time such as "
                        + "2026-12-24T14:00:00Z"
                    : "\(TargetAnnotations.pinReplicas)=\(value) is not a replica count of 0 or more"
                notices.append(
                    (
                        "pin-invalid:\(value):\(untilText ?? "")", .invalidAnnotation,
                        problem + "; the pin is ignored until the annotation is fixed"
                    )
                )
            }
        }

        let keys = Set(notices.map(\.key))
        let fresh = notices.filter { !state.announced.contains($0.key) }
        update(target) { $0.announced = keys }
        for notice in fresh {
            // A Warning Event is something to act on, so it is logged at warning. The others are
            // logged at debug, so `info` keeps one record per scaling action.
            log.log(
                notice.reason.type == .warning ? .warning : .debug,
                "operator control",
                ["reason": .string(notice.reason.rawValue), "message": .string(notice.message)]
            )
            await events.record(TargetEvent(target: target, reason: notice.reason, message: notice.message))
        }
        return result
    }

    enum PauseState {
        case active(until: Date?)
        case expired
        case invalid
    }

    static func pause(_ value: String, now: Date) -> PauseState {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "true" { return .active(until: nil) }
        guard let until = parseTime(trimmed) else { return .invalid }
        return until > now ? .active(until: until) : .expired
    }

    /// Parses an RFC 3339 time with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: trimmed) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: trimmed)
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
