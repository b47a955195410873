import FleetModel

/// The figures one policy run is judged by. Latency comes from the model's own per-tick
/// latency, not from the sampled signal the policy saw.
public struct RunScores: Sendable, Equatable {
    /// Seconds whose tick p99 latency was above the objective.
    public var secondsAboveObjective: Double
    /// Requests that ended with HTTP 5xx.
    public var serverErrors: Double
    /// Ready and starting pods integrated over the run, in minutes.
    public var replicaMinutes: Double
    /// Changes of `spec.replicas`, the first cycle's included.
    public var scalingActions: Double
    /// Seconds from the spike's onset until Ready pods could carry its peak; nil without a
    /// spike, or when they never could.
    public var spikeToEnoughReady: Double?
    /// Highest `spec.replicas`.
    public var peakReplicas: Double
    /// Ticks that breached the database's connection limits (`DatabaseLimits`): PostgreSQL or
    /// PgBouncer refused a connection attempt, or the connections at the tick's end exceeded
    /// `max_connections − superuser_reserved_connections` on PostgreSQL or `max_client_conn`
    /// on PgBouncer.
    public var databaseBudgetBreaches: Double

    public init(
        secondsAboveObjective: Double,
        serverErrors: Double,
        replicaMinutes: Double,
        scalingActions: Double,
        spikeToEnoughReady: Double?,
        peakReplicas: Double,
        databaseBudgetBreaches: Double
    ) {
        self.secondsAboveObjective = secondsAboveObjective
        self.serverErrors = serverErrors
        self.replicaMinutes = replicaMinutes
        self.scalingActions = scalingActions
        self.spikeToEnoughReady = spikeToEnoughReady
        self.peakReplicas = peakReplicas
        self.databaseBudgetBreaches = databaseBudgetBreaches
    }

    /// Scores a run from its timeline (through `RunSummary`) and the counts the run kept: the
    /// timeline starts after the first cycle, so a write at second 0 and the start replicas
    /// are not in it.
    public init(
        records: [TimelineRecord],
        scalingActions: Int,
        peakReplicas: Int,
        databaseBudgetBreaches: Int,
        settings: SimulationSettings
    ) {
        let summary = RunSummary(records: records, objective: settings.objective, perPodRate: settings.perPodRate)
        self.init(
            secondsAboveObjective: summary.secondsAboveObjective,
            serverErrors: summary.totalServerErrors,
            replicaMinutes: summary.replicaMinutes,
            scalingActions: Double(scalingActions),
            spikeToEnoughReady: summary.spikeToEnoughReady,
            peakReplicas: Double(peakReplicas),
            databaseBudgetBreaches: Double(databaseBudgetBreaches)
        )
    }

    /// Returns the mean of each score over `runs`. The spike time is nil when any run has none,
    /// because a run that never had enough capacity has no finite time to average.
    public static func mean(_ runs: [RunScores]) -> RunScores {
        let count = Double(max(runs.count, 1))
        func average(_ value: (RunScores) -> Double) -> Double { runs.reduce(0) { $0 + value($1) } / count }
        let spikeTimes = runs.map(\.spikeToEnoughReady)
        let spike: Double? =
            spikeTimes.isEmpty || spikeTimes.contains(nil)
            ? nil : spikeTimes.compactMap { $0 }.reduce(0, +) / Double(spikeTimes.count)
        return RunScores(
            secondsAboveObjective: average(\.secondsAboveObjective),
            serverErrors: average(\.serverErrors),
            replicaMinutes: average(\.replicaMinutes),
            scalingActions: average(\.scalingActions),
            spikeToEnoughReady: spike,
            peakReplicas: average(\.peakReplicas),
            databaseBudgetBreaches: average(\.databaseBudgetBreaches)
        )
    }

    /// Each score by its column name, in table order.
    public var columns: [(name: String, value: Double?)] {
        [
            ("p99>SLO s", secondsAboveObjective), ("5xx", serverErrors), ("replica-min", replicaMinutes),
            ("actions", scalingActions), ("spike→ready s", spikeToEnoughReady), ("peak", peakReplicas),
            ("DB breaches", databaseBudgetBreaches),
        ]
    }
}
