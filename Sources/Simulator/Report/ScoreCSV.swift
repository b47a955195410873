/// Every run's scores as CSV, one row per scenario, policy and seed, for spreadsheets and
/// plotting tools. An empty spike cell means enough capacity never came.
public enum ScoreCSV {
    public static let header =
        "scenario,policy,seed,seconds_above_objective,server_errors,replica_minutes,scaling_actions,"
        + "spike_to_enough_ready_seconds,peak_replicas,database_budget_breaches"

    public static func render(_ results: [ScenarioResult]) -> String {
        var lines = [header]
        for result in results {
            for run in result.runs {
                let scores = run.scores
                let cells: [String] = [
                    run.scenario, run.policy, String(run.seed), "\(scores.secondsAboveObjective)",
                    "\(scores.serverErrors)", "\(scores.replicaMinutes)", "\(scores.scalingActions)",
                    scores.spikeToEnoughReady.map { "\($0)" } ?? "", "\(scores.peakReplicas)",
                    "\(scores.databaseBudgetBreaches)",
                ]
                lines.append(cells.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
