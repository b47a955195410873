import Observability

/// Reasons of the Kubernetes Events Headroom records on a target, in the style of the HPA's.
public enum EventReason: String, Sendable, CaseIterable {
    /// The replica count was written.
    case successfulRescale = "SuccessfulRescale"
    /// Writing the replica count failed.
    case failedRescale = "FailedRescale"
    /// Reading the workload (its scale or status) failed.
    case failedGetScale = "FailedGetScale"
    /// A signal could not be read or had no usable value.
    case failedGetMetric = "FailedGetMetric"
    /// The workload was scaled to 0 by hand while `minReplicas` is at least 1, so Headroom
    /// leaves it alone until it is scaled above 0 again.
    case scalingDisabled = "ScalingDisabled"
    /// Autoscaling resumed after the workload was scaled above 0 again.
    case scalingEnabled = "ScalingEnabled"
    /// Someone else changed `spec.replicas` between Headroom's read and its write; their
    /// value is kept.
    case outsideRescale = "OutsideRescale"
    /// The database budget's ceiling stopped a scale-up the signals asked for.
    case downstreamLimited = "DownstreamLimited"
    /// The database is saturated: latency and errors may not add replicas, scale-down waits.
    case downstreamBound = "DownstreamBound"
    /// The database budget is unknown (its readings are too old), so scale-up stopped.
    case downstreamBudgetUnknown = "DownstreamBudgetUnknown"
    /// The target's `minReplicas` alone needs more connections than its share of the budget.
    case minimumExceedsShare = "MinimumExceedsShare"
    /// Pods have been Pending longer than the pending timeout (unschedulable or over quota);
    /// they are left out of capacity.
    case podsUnschedulable = "PodsUnschedulable"
    /// Panic mode started: the short window asked for at least the threshold times the Ready
    /// capacity.
    case panicMode = "PanicMode"
    /// Another field manager overrode `spec.replicas` too often; Headroom stopped writing.
    case conflictingWriter = "ConflictingWriter"
    /// A HorizontalPodAutoscaler scales the target, so Headroom refuses to write to it.
    case conflictingHPA = "ConflictingHPA"
    /// The target is paused, pinned or frozen, so Headroom holds it.
    case heldByOperator = "HeldByOperator"
    /// A pause or pin annotation expired and is ignored from now on.
    case annotationExpired = "AnnotationExpired"
    /// A pause or pin annotation has a value Headroom cannot read; it is ignored.
    case invalidAnnotation = "InvalidAnnotation"

    /// `Normal` or `Warning`, the two Event types Kubernetes accepts.
    public var type: EventType {
        switch self {
        case .successfulRescale, .scalingEnabled, .outsideRescale, .panicMode, .heldByOperator, .annotationExpired:
            .normal
        case .failedRescale, .failedGetScale, .failedGetMetric, .scalingDisabled, .downstreamLimited,
            .downstreamBound, .downstreamBudgetUnknown, .minimumExceedsShare, .podsUnschedulable, .conflictingWriter,
            .conflictingHPA, .invalidAnnotation:
            .warning
        }
    }
}

/// The Kubernetes Event type.
public enum EventType: String, Sendable {
    case normal = "Normal"
    case warning = "Warning"
}

/// One Event to record on a target.
public struct TargetEvent: Sendable, Equatable {
    public var target: TargetPolicy
    public var reason: EventReason
    /// One line with the numbers, at most 1024 bytes as Kubernetes requires.
    public var message: String
    /// True for an Event about the whole policy, such as its freeze. A writer configured with the
    /// policy's ConfigMap records it there, else on `target`, the policy's first target.
    public var isAboutPolicy: Bool

    public init(target: TargetPolicy, reason: EventReason, message: String, isAboutPolicy: Bool = false) {
        self.target = target
        self.reason = reason
        // Anyone who may list Events in the namespace reads the message, so credentials that an
        // error text quotes are redacted.
        self.message = TargetEvent.truncated(Redaction.redact(message), toBytes: 1024)
        self.isAboutPolicy = isAboutPolicy
    }

    /// Cuts `text` on a character boundary so its UTF-8 form fits in `limit` bytes.
    static func truncated(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        var size = 0
        for character in text {
            let length = character.utf8.count
            guard size + length <= limit - 3 else { break }
            result.append(character)
            size += length
        }
        return result + "..."
    }
}

/// Records Events on targets. Implementations fold a repeat of the same Event into a count
/// instead of creating a new object each time, and never throw: a failed Event write is
/// logged by the recorder and must not stop a scaling decision.
public protocol EventRecorder: Sendable {
    func record(_ event: TargetEvent) async
}

/// Records nothing, for `--dry-run`.
public struct DiscardingEventRecorder: EventRecorder {
    public init() {}

    public func record(_ event: TargetEvent) async {}
}
