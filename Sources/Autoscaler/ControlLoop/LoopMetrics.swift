import Observability

/// The control loop's metrics, registered once in the process's registry.
///
/// Per-target series carry `namespace`, `name` and `kind` labels, as the target's identity.
public struct LoopMetrics: Sendable {
    public let registry: MetricsRegistry
    let currentReplicas: MetricFamily
    let desiredReplicas: MetricFamily
    let scalingDisabled: MetricFamily
    let actions: MetricFamily
    let decisions: MetricFamily
    let errors: MetricFamily
    let cycles: MetricFamily
    let cycleDuration: MetricFamily
    let overruns: MetricFamily
    let targetsConfigured: MetricFamily
    let downstreamLimited: MetricFamily
    let downstreamBound: MetricFamily
    let budgetCeiling: MetricFamily
    let panicking: MetricFamily
    let pods: MetricFamily
    let scheduledFloor: MetricFamily
    let databaseUsable: MetricFamily
    let databaseActive: MetricFamily
    let databaseSaturated: MetricFamily
    let databaseBudgetAge: MetricFamily
    let boundedReplicas: MetricFamily
    let signalValue: MetricFamily
    let signalAge: MetricFamily
    let signalProposal: MetricFamily
    let signalValid: MetricFamily
    let signalTarget: MetricFamily
    let limitingRule: MetricFamily
    let condition: MetricFamily
    /// When the loop last decided for a target, which needs a successful read of the API server.
    public let activity = LoopActivity()

    public init(registry: MetricsRegistry) {
        let target = ["namespace", "name", "kind"]
        self.registry = registry
        currentReplicas = registry.gauge(
            "headroom_target_current_replicas",
            help: "spec.replicas of the target when it was last read.",
            labelNames: target
        )
        desiredReplicas = registry.gauge(
            "headroom_target_desired_replicas",
            help: "Replica count the decision engine last chose for the target.",
            labelNames: target
        )
        scalingDisabled = registry.gauge(
            "headroom_target_scaling_disabled",
            help: "1 while the target was scaled to 0 by hand and autoscaling for it is off.",
            labelNames: target
        )
        actions = registry.counter(
            "headroom_scaling_actions_total",
            help: "Replica writes by direction; in dry-run and observe mode, writes that would have been made.",
            labelNames: target + ["direction", "dry_run"]
        )
        decisions = registry.counter(
            "headroom_decisions_total",
            help: "Decisions by the rule that decided or limited them.",
            labelNames: target + ["reason"]
        )
        errors = registry.counter(
            "headroom_target_errors_total",
            help: "Failed reads and writes of targets by operation.",
            labelNames: target + ["operation"]
        )
        cycles = registry.counter("headroom_cycles_total", help: "Control loop cycles run.")
        cycleDuration = registry.histogram(
            "headroom_cycle_duration_seconds",
            help: "Wall time of one control loop cycle.",
            buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60]
        )
        overruns = registry.counter(
            "headroom_cycle_overruns_total",
            help: "Cycles that took longer than the interval; the next cycle started at once."
        )
        targetsConfigured = registry.gauge("headroom_targets", help: "Targets in the loaded policy.")
        downstreamLimited = registry.gauge(
            "headroom_target_downstream_limited",
            help: "1 while the database budget's ceiling stops a scale-up the signals ask for.",
            labelNames: target
        )
        downstreamBound = registry.gauge(
            "headroom_target_downstream_bound",
            help: "1 while the target's database is saturated and latency and errors may not add replicas.",
            labelNames: target
        )
        budgetCeiling = registry.gauge(
            "headroom_target_budget_ceiling_replicas",
            help: "The most replicas the target's share of its database budget allows.",
            labelNames: target
        )
        panicking = registry.gauge(
            "headroom_target_panic",
            help: "1 while the target is in panic mode.",
            labelNames: target
        )
        pods = registry.gauge(
            "headroom_target_pods",
            help:
                "The target's pods as the engine counts them, by state (warm, warming, starting, terminating, unschedulable).",
            labelNames: target + ["state"]
        )
        scheduledFloor = registry.gauge(
            "headroom_target_scheduled_floor_replicas",
            help: "The active scheduled floor of the target, 0 when none is active.",
            labelNames: target
        )
        databaseUsable = registry.gauge(
            "headroom_database_usable_connections",
            help: "Connections the targets of a database may hold together.",
            labelNames: ["database"]
        )
        databaseActive = registry.gauge(
            "headroom_database_active_connections",
            help: "Active connections of a database (PgBouncer's active server connections behind PgBouncer).",
            labelNames: ["database"]
        )
        databaseSaturated = registry.gauge(
            "headroom_database_saturated",
            help: "1 while a database is saturated on its own side.",
            labelNames: ["database"]
        )
        databaseBudgetAge = registry.gauge(
            "headroom_database_budget_age_seconds",
            help: "Age of the budget in use; -1 while it is unknown and scale-up is stopped.",
            labelNames: ["database"]
        )
        let signal = target + ["signal"]
        boundedReplicas = registry.gauge(
            "headroom_target_bounded_replicas",
            help:
                "The replica count the signals, panic and scheduled floors ask for, within minReplicas and "
                + "maxReplicas. It differs from headroom_target_desired_replicas when stabilization, rate "
                + "limits, the database budget or a hold decided otherwise.",
            labelNames: target
        )
        signalValue = registry.gauge(
            "headroom_signal_value",
            help: "The signal's last value in its query's unit, NaN when the query returned no value.",
            labelNames: signal
        )
        signalAge = registry.gauge(
            "headroom_signal_age_seconds",
            help: "Age of the signal's newest sample when it was last read, NaN when unknown.",
            labelNames: signal
        )
        signalProposal = registry.gauge(
            "headroom_signal_proposal_replicas",
            help: "The replica count the signal proposed, within minReplicas and maxReplicas. NaN for guards "
                + "and invalid signals.",
            labelNames: signal
        )
        signalValid = registry.gauge(
            "headroom_signal_valid",
            help: "1 while the signal has a usable value, 0 while it is empty, stale, failed or otherwise unusable.",
            labelNames: signal
        )
        signalTarget = registry.gauge(
            "headroom_signal_target",
            help: "The signal's target in its query's unit, to compare with headroom_signal_value.",
            labelNames: signal
        )
        limitingRule = registry.gauge(
            "headroom_target_limiting_rule",
            help: "1 for the rule that decided or last limited the target's replica count; one series per target.",
            labelNames: target + ["reason"]
        )
        condition = registry.gauge(
            "headroom_condition",
            help: "1 on the series whose status is the condition's current state (\"true\" or \"false\"), "
                + "0 on the other.",
            labelNames: target + ["condition", "status"]
        )
    }

    /// Cycles finished since the start, which `/healthz` watches for progress.
    public var cyclesFinished: Double { cycles.value() ?? 0 }

    /// Targets in the loaded policy, as `headroom_targets` shows them.
    public var configuredTargets: Int { Int(targetsConfigured.value() ?? 0) }

    static func labels(_ target: TargetPolicy) -> [String] {
        [target.namespace, target.name, target.kind.rawValue]
    }

    /// The families whose series start with a target's `namespace`, `name` and `kind`.
    var perTargetFamilies: [MetricFamily] {
        [
            currentReplicas, desiredReplicas, scalingDisabled, actions, decisions, errors, downstreamLimited,
            downstreamBound, budgetCeiling, panicking, pods, scheduledFloor, boundedReplicas, signalValue,
            signalAge, signalProposal, signalValid, signalTarget, limitingRule, condition,
        ]
    }

    /// Removes the series of every target whose labels are not in `kept`, and of every database
    /// not in `databases`, so a target or database dropped by a policy reload leaves no series.
    func removeSeries(keepingTargets kept: Set<[String]>, databases: Set<String>) {
        for family in perTargetFamilies {
            family.remove { !kept.contains(Array($0.prefix(3))) }
        }
        for family in [databaseUsable, databaseActive, databaseSaturated, databaseBudgetAge] {
            family.remove { !databases.contains($0.first ?? "") }
        }
    }
}
