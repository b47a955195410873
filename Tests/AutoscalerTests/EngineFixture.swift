import Autoscaler
import Foundation
import MetricsClient

/// Builders for engine tests: targets, signals and a timeline runner.
enum EngineFixture {
    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    /// The instant `seconds` after `epoch`.
    static func at(_ seconds: Double) -> Date {
        epoch.addingTimeInterval(seconds)
    }

    /// A history whose scale-down window since start has long passed and that contains no
    /// recommendations or events, so only the current cycle's values matter.
    static let settled = ScalingHistory(startedAt: epoch.addingTimeInterval(-3600))

    static func perReplica(_ perReplica: Double, name: String = "queue", recoveryCycles: Int = 3) -> SignalPolicy {
        SignalPolicy(
            name: name,
            query: "sum(bullmq_job_count{queue=\"{{name}}\", state=\"waiting\"})",
            target: SignalTarget(dimension: .count, baseValue: perReplica, text: "\(perReplica)"),
            rule: .perReplica,
            recoveryCycles: recoveryCycles
        )
    }

    static func utilization(_ name: String = "cpu", fraction: Double) -> SignalPolicy {
        SignalPolicy(
            name: name,
            query: "avg(cpu{namespace=\"{{namespace}}\", pod=\"{{name}}\"})",
            target: SignalTarget(dimension: .fraction, baseValue: fraction, text: "\(fraction * 100)%"),
            rule: .utilization
        )
    }

    static func latency(_ name: String = "p99", seconds: Double, maxStepFactor: Double = 1.5) -> SignalPolicy {
        SignalPolicy(
            name: name,
            query: "histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[2m])))",
            target: SignalTarget(dimension: .duration, baseValue: seconds, text: "\(seconds)s"),
            rule: .latencyStep,
            maxStepFactor: maxStepFactor
        )
    }

    static func guardSignal(_ name: String = "errors", fraction: Double) -> SignalPolicy {
        SignalPolicy(
            name: name,
            query: "errors{namespace=\"{{namespace}}\"}",
            target: SignalTarget(dimension: .fraction, baseValue: fraction, text: "\(fraction * 100)%"),
            rule: nil,
            role: .guard
        )
    }

    static func target(
        min: Int = 1,
        max: Int,
        signals: [SignalPolicy],
        behavior: ScalingBehavior = ScalingBehavior(),
        mode: TargetMode = .scale
    ) -> TargetPolicy {
        TargetPolicy(
            namespace: "cms",
            name: "directus",
            minReplicas: min,
            maxReplicas: max,
            mode: mode,
            signals: signals,
            behavior: behavior
        )
    }

    static func value(_ value: Double) -> SampleOutcome {
        .value(value, age: .seconds(5))
    }

    /// One cycle of a timeline: the time, each signal's outcome, and what the engine must do.
    struct Step {
        let time: Double
        let outcomes: [String: SampleOutcome]
        let expected: Int
        let reason: DecisionReason
        /// Ready replicas; `nil` means equal to the current count.
        var ready: Int? = nil
    }

    /// Runs `steps` in order, feeding each decision's count and history into the next, as
    /// the controller does after a successful write. Returns every decision.
    static func run(
        _ target: TargetPolicy,
        from replicas: Int,
        history: ScalingHistory = settled,
        _ steps: [Step]
    ) -> [Decision] {
        var current = replicas
        var state = history
        var decisions: [Decision] = []
        for step in steps {
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: step.outcomes,
                specReplicas: current,
                readyReplicas: step.ready ?? current,
                history: state,
                now: at(step.time)
            )
            decisions.append(decision)
            state = decision.history
            if decision.shouldWrite { current = decision.desiredReplicas }
        }
        return decisions
    }
}
