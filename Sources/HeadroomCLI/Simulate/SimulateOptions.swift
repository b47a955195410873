import Simulator

/// The options of `headroom simulate`, parsed and checked before any run.
struct SimulateOptions: Equatable {
    var policyPath: String
    var scenarios: [String]
    var seeds: [UInt64] = Array(1...5)
    var baselines: [String] = []
    var reportPath: String?
    var plotPath: String?
    var csvPath: String?
    var tracesDirectory: String?
    /// Seconds from a scrape until its samples answer queries, for every policy alike.
    var pipelineLag: Double = 0

    struct UsageError: Error, Equatable {
        let message: String
    }

    static let valueFlags = [
        "--policy", "--scenario", "--seeds", "--baselines", "--report", "--plot", "--csv", "--traces",
        "--pipeline-lag",
    ]

    /// Reads `--flag VALUE` and `--flag=VALUE`; every problem names the flag, the value and the fix.
    static func parse(_ arguments: [String]) -> Result<SimulateOptions, UsageError> {
        do {
            return .success(try parseOrThrow(arguments))
        } catch {
            return .failure(error)
        }
    }

    private static func parseOrThrow(_ arguments: [String]) throws(UsageError) -> SimulateOptions {
        var values: [String: [String]] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            var flag = argument
            var value: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                flag = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard valueFlags.contains(flag) else {
                throw UsageError(
                    message: "unknown option '\(argument)'; the options are \(valueFlags.joined(separator: ", "))"
                )
            }
            if value == nil {
                index += 1
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw UsageError(message: "'\(flag)' needs a value")
                }
                value = arguments[index]
            }
            if flag != "--scenario" && values[flag] != nil {
                throw UsageError(message: "'\(flag)' given twice; give it once")
            }
            values[flag, default: []].append(value ?? "")
            index += 1
        }

        guard let policy = values["--policy"]?.first, !policy.isEmpty else {
            throw UsageError(message: "'--policy FILE' is required")
        }
        let scenarios = values["--scenario"] ?? []
        guard !scenarios.isEmpty else {
            throw UsageError(
                message:
                    "'--scenario NAME' is required; choose from \(SimulationScenarios.names.joined(separator: ", "))"
            )
        }
        for name in scenarios
        where !SimulationScenarios.names.contains(name) && !SimulationScenarios.isTraceFile(name) {
            throw UsageError(
                message: "'--scenario' got '\(name)', which is not a scenario; choose from "
                    + SimulationScenarios.names.joined(separator: ", ") + ", or give a trace file's path"
            )
        }
        var options = SimulateOptions(policyPath: policy, scenarios: scenarios)
        if let text = values["--pipeline-lag"]?.first {
            guard let lag = Double(text.hasSuffix("s") ? String(text.dropLast()) : text), lag.isFinite, lag >= 0,
                lag <= 600
            else {
                throw UsageError(
                    message: "'--pipeline-lag' got '\(text)'; give seconds from 0 to 600, such as 30 or 30s"
                )
            }
            options.pipelineLag = lag
        }
        if let text = values["--seeds"]?.first {
            guard let seeds = parseSeeds(text) else {
                throw UsageError(
                    message: "'--seeds' got '\(text)'; give a range such as 1-5 or a list such as 1,3,4 "
                        + "of seeds from 1 to 1000000"
                )
            }
            options.seeds = seeds
        }
        if let text = values["--baselines"]?.first {
            let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for name in names where !KnownBaselines.names.contains(name) {
                throw UsageError(
                    message: "'--baselines' got '\(name)', which is not a baseline; choose from "
                        + KnownBaselines.names.joined(separator: ",")
                )
            }
            options.baselines = names
        }
        options.reportPath = values["--report"]?.first
        options.plotPath = values["--plot"]?.first
        options.csvPath = values["--csv"]?.first
        options.tracesDirectory = values["--traces"]?.first
        return options
    }

    /// `1-5`, `3` or `1,3,4`; nil for anything else, an empty range or a seed outside 1...1_000_000.
    static func parseSeeds(_ text: String) -> [UInt64]? {
        var seeds: [UInt64] = []
        var seen: Set<UInt64> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { UInt64($0) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
                low >= 1, low <= high, high <= 1_000_000
            else { return nil }
            // A seed given twice would weigh twice in every mean, so each counts once.
            for seed in low...high where seen.insert(seed).inserted { seeds.append(seed) }
        }
        return seeds.isEmpty ? nil : seeds
    }
}
