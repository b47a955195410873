import FleetModel
import Foundation

/// The text of a `simulate` report: each scenario's fixed parameters, then a Markdown table of
/// mean scores with every score also as a ratio to the HPA's and to the oracle's.
public enum ScoreTable {
    /// Returns the parameter block of `scenario`.
    public static func parameters(_ scenario: Scenario, settings: SimulationSettings, seeds: [UInt64]) -> String {
        let fleet = scenario.fleet
        var lines = [
            "## \(scenario.name)\(scenario.tuningOnly ? " (not scored)" : "")",
            "",
            "- load: \(scenario.summary)",
            "- fleet \(fleet.name); replicas min \(scenario.minReplicas), max \(scenario.maxReplicas), start "
                + "\(scenario.startReplicas) (\(scenario.startsCold ? "cold" : "warm"))",
            "- seeds \(seeds.map(String.init).joined(separator: ", ")); scores are means over them",
        ]
        lines += settings.parameterLines.map { "- \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Returns the table of `result`, one row per policy.
    public static func table(_ result: ScenarioResult) -> String {
        let means = result.policies.compactMap { policy in result.mean(policy).map { (policy, $0) } }
        let hpa = result.mean("hpa")
        let oracle = result.mean("oracle")
        let names = RunScores.mean([]).columns.map(\.name)
        var lines = ["| policy | " + names.joined(separator: " | ") + " |"]
        lines.append("|---|" + names.map { _ in "---:" }.joined(separator: "|") + "|")
        for (policy, scores) in means {
            var cells = [policy]
            for (index, column) in scores.columns.enumerated() {
                var cell = format(column.value)
                var ratios: [String] = []
                if let hpa { ratios.append("\(ratio(column.value, hpa.columns[index].value)) hpa") }
                if let oracle { ratios.append("\(ratio(column.value, oracle.columns[index].value)) oracle") }
                if !ratios.isEmpty { cell += " (" + ratios.joined(separator: ", ") + ")" }
                cells.append(cell)
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Formats a score with one decimal, or `never` for a spike time that never came.
    static func format(_ value: Double?) -> String {
        guard let value else { return "never" }
        return value.formatted(decimals: 1)
    }

    /// Formats `value ÷ reference` as `×0.52`, as `×1` when both are 0 and as `×–` when only the
    /// reference is 0 or a value is missing.
    static func ratio(_ value: Double?, _ reference: Double?) -> String {
        guard let value, let reference else { return "×–" }
        if reference == 0 { return value == 0 ? "×1" : "×–" }
        return "×" + (value / reference).formatted(decimals: 2)
    }
}

extension Double {
    /// Formats the value with `decimals` digits after the point.
    func formatted(decimals: Int) -> String {
        String(format: "%.\(decimals)f", self)
    }
}
