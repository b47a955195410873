import Foundation
import MetricsClient

extension PrometheusSignalSource {
    /// Reads every signal of `target` at every step of `grid` with range queries, built from
    /// the policy exactly as `outcomes(for:at:)` builds its instant queries: same template,
    /// placeholders, maximum sample age and outcome classification. Returns one
    /// `[signal name: outcome]` per step.
    public func rangeOutcomes(for target: TargetPolicy, over grid: RangeGrid) async -> [[String: SampleOutcome]] {
        let queryTarget = QueryTarget(id: target.identity, placeholders: Self.placeholders(of: target))
        var steps = Array(repeating: [String: SampleOutcome](), count: grid.count)
        for signal in target.signals {
            let outcomes: [SampleOutcome]
            switch Self.signalQuery(signal) {
            case .success(let query):
                outcomes = await sampler.sampleRange(query, target: queryTarget, over: grid)
            case .failure(let error):
                outcomes = Array(repeating: .failed(reason: "\(error)"), count: grid.count)
            }
            for (index, outcome) in outcomes.enumerated() {
                steps[index][signal.name] = outcome
            }
        }
        return steps
    }

    /// Returns the values of `{{namespace}}`, `{{name}}` and each label-map label for `target`,
    /// which its signal queries are rendered with.
    public static func queryPlaceholders(of target: TargetPolicy) -> [String: String] {
        placeholders(of: target)
    }
}
