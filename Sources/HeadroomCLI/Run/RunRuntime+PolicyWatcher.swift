import Autoscaler
import Observability

extension RunRuntime {
    /// Creates the watcher of the policy file, or returns `nil` with `--once`, which has no next cycle.
    static func policyWatcher(
        options: RunOptions,
        baseline: PolicyFileSnapshot?,
        running: [TargetPolicy],
        loop: ControlLoop,
        events: KubePolicyEventRecorder,
        registry: MetricsRegistry,
        clock: any LoopClock,
        logger: Logger
    ) -> PolicyWatcher? {
        let metrics = PolicyReloadMetrics(registry: registry)
        metrics.started(
            valid: baseline.map { PolicyWatcher.isValid($0, path: options.policyPath) } ?? false,
            at: clock.now
        )
        guard !options.once else { return nil }
        return PolicyWatcher(
            path: options.policyPath,
            baseline: baseline,
            running: running,
            interval: .milliseconds(Int64((options.policyPollSeconds * 1000).rounded())),
            clock: clock,
            logger: logger,
            metrics: metrics,
            events: events,
            apply: { result in
                loop.replacePolicy(targets: result.targets, databases: result.databases, controls: result.controls)
            }
        )
    }
}
