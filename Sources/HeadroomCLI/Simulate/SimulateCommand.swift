import Autoscaler
import FleetModel
import Foundation
import Simulator

/// `headroom simulate`: a policy and baselines against the fleet model in virtual time.
enum SimulateCommand: Subcommand {
    static let name = "simulate"
    static let summary = "Score a policy against baselines on the fleet model in virtual time"
    static let usage =
        "headroom simulate --policy FILE --scenario NAME [--scenario NAME ...] [--seeds 1-5] "
        + "[--baselines hpa,keda,kpa,kpa-tuned,hpa-tuned,oracle] [--report FILE.md] [--plot FILE.svg] "
        + "[--csv FILE] [--traces DIR]"
    static var help: String {
        """
        Usage: \(usage)

        Runs the policy's single target through Headroom's own control loop against the fleet
        model, second by second, with Prometheus simulated at the scrape interval, and the named
        baselines on the same fleet, load and seeds. Prints each scenario's fixed parameters and
        a table of mean scores, each also as a ratio to the HPA's and the oracle's.

        Options:
          --policy FILE      ScalingPolicy with one target whose signals are presets
          --pipeline-lag S   seconds from a scrape until its samples answer queries, for every
                             policy alike (default 0: visible at scrape time)
          --scenario NAME    \(SimulationScenarios.names.joined(separator: ", ")), or a trace
                             file (per-minute counts, run at count ÷ 60 requests/s); repeatable
          --seeds SPEC       seeds as 1-5 or 1,3,4 (default 1-5)
          --baselines LIST   comma-separated: \(KnownBaselines.names.joined(separator: ","))
          --report FILE.md   also write the report as Markdown
          --plot FILE.svg    load, replicas and p99 per policy over time (first seed); with
                             several scenarios, one file per scenario named FILE-<scenario>.svg
          --csv FILE         every run's scores, one row per scenario, policy and seed
          --traces DIR       directory of the recorded traces (else HEADROOM_TRACES or ../shared/traces)

        Exit codes:
          0  every run finished
          2  usage error: unknown option, bad or missing value
          3  the policy file cannot be read or is not a ScalingPolicy
          4  the policy has no valid target, more than one, or a signal or database query
             simulate cannot evaluate
          5  a scenario's trace cannot be read, or an output file cannot be written

        """
    }

    static func run(_ arguments: [String], output: CommandOutput) async -> ExitCode {
        let options: SimulateOptions
        switch SimulateOptions.parse(arguments) {
        case .success(let parsed):
            options = parsed
        case .failure(let error):
            output.standardError("headroom simulate: \(error.message)\nUsage: \(usage)\n")
            return .usage
        }

        let target: TargetPolicy
        let databases: [DatabasePolicy]
        switch loadTarget(options.policyPath, output: output) {
        case .success(let loaded): (target, databases) = loaded
        case .failure(let error): return error.code
        }

        var factories: [@Sendable (Scenario) -> any SimulatedAutoscaler] = []
        for name in options.baselines {
            factories.append { scenario in KnownBaselines.make(name, scenario: scenario)! }
        }

        var settings = SimulationSettings()
        settings.pipelineLag = options.pipelineLag
        let simulation = Simulation(
            target: target,
            databases: databases,
            baselines: factories,
            settings: settings,
            seeds: options.seeds,
            keepFirstTimeline: options.plotPath != nil,
            progress: { output.standardError("progress: \($0)\n") }
        )
        do {
            try simulation.validate()
        } catch {
            output.standardError("headroom simulate: \(error)\n")
            return .noValidTarget
        }
        return await runScenarios(options, simulation: simulation, output: output)
    }

    private static func runScenarios(_ options: SimulateOptions, simulation: Simulation, output: CommandOutput) async
        -> ExitCode
    {
        let traces = TraceLocator(explicitDirectory: options.tracesDirectory)
        var report = "# headroom simulate: \(options.policyPath)\n\n"
        var results: [ScenarioResult] = []
        for name in options.scenarios {
            let scenario: Scenario
            do {
                scenario = try SimulationScenarios.scenario(named: name, traces: traces)
            } catch {
                output.standardError("headroom simulate: scenario \(name): \(error)\n")
                return .setupFailed
            }
            let parameters = ScoreTable.parameters(scenario, settings: simulation.settings, seeds: options.seeds)
            output.standardOutput(parameters + "\n")
            let result: ScenarioResult
            do {
                result = try await simulation.run(scenario)
            } catch {
                output.standardError("headroom simulate: \(error)\n")
                return .noValidTarget
            }
            let table = ScoreTable.table(result)
            output.standardOutput(table + "\n")
            report += parameters + "\n" + table + "\n"
            results.append(result)
        }
        do {
            try write(options, results: results, report: report, settings: simulation.settings)
        } catch {
            output.standardError("headroom simulate: \(error)\n")
            return .setupFailed
        }
        return .success
    }

    private static func write(
        _ options: SimulateOptions,
        results: [ScenarioResult],
        report: String,
        settings: SimulationSettings
    ) throws {
        if let path = options.reportPath { try writeFile(report, to: path, flag: "--report") }
        if let path = options.csvPath { try writeFile(ScoreCSV.render(results), to: path, flag: "--csv") }
        if let path = options.plotPath {
            for result in results {
                let timelines = result.policies.compactMap { policy in
                    result.firstTimeline(policy).map { (policy: policy, records: $0) }
                }
                let plot = ComparisonPlot(
                    title: "\(result.scenario.name), seed \(options.seeds[0])",
                    objective: settings.objective
                )
                let file = results.count == 1 ? path : plotPath(path, scenario: result.scenario.name)
                try writeFile(plot.render(timelines), to: file, flag: "--plot")
            }
        }
    }

    static func plotPath(_ path: String, scenario: String) -> String {
        let base = path.hasSuffix(".svg") ? String(path.dropLast(4)) : path
        return "\(base)-\(scenario).svg"
    }

    struct OutputError: Error, CustomStringConvertible {
        var description: String
    }

    private static func writeFile(_ text: String, to path: String, flag: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw OutputError(
                description: "'\(flag)' could not write \(path): \(error.localizedDescription); "
                    + "give a path in a writable directory"
            )
        }
    }

    /// Loads the policy and returns its one valid target with the database it draws from, or the
    /// exit code after reporting why not.
    private static func loadTarget(_ path: String, output: CommandOutput) -> Result<
        (TargetPolicy, [DatabasePolicy]), ExitCodeError
    > {
        let result: PolicyLoadResult
        do {
            result = try PolicyLoader.load(path: path)
        } catch {
            output.standardError("headroom simulate: \(error)\n")
            return .failure(ExitCodeError(code: .unreadablePolicy))
        }
        for problem in result.problems {
            output.standardError("\(problem)\n")
        }
        guard result.targets.count == 1, let target = result.targets.first else {
            output.standardError("headroom simulate: \(SimulationError.targetCount(result.targets.count))\n")
            return .failure(ExitCodeError(code: .noValidTarget))
        }
        return .success((target, result.databases.filter { $0.name == target.database?.name }))
    }

    struct ExitCodeError: Error {
        var code: ExitCode
    }
}
