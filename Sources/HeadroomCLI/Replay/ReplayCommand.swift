import Autoscaler
import Foundation
import HTTPTransport
import MetricsClient

/// `headroom replay`: the decision engine over a recorded time range, read from Prometheus.
enum ReplayCommand: Subcommand {
    static let name = "replay"
    static let summary = "Replay a past time range through the decision engine and compare"
    static let help = ReplayHelp.text

    static func run(_ arguments: [String], output: CommandOutput) async -> ExitCode {
        let options: ReplayOptions
        switch ReplayOptions.parse(arguments) {
        case .success(let parsed):
            options = parsed
        case .failure(let error):
            output.standardError("headroom replay: \(error.message)\nUsage: \(ReplayHelp.usage)\n")
            return .usage
        }

        let targets: [TargetPolicy]
        switch loadTargets(options.policyPath, output: output) {
        case .loaded(let loaded, _, _):
            targets = loaded
        case .exit(let code):
            return code
        }

        let step = Duration.milliseconds(Int64((options.stepSeconds * 1000).rounded()))
        guard let grid = RangeGrid(start: options.start, end: options.end, step: step) else {
            output.standardError("headroom replay: '--end' must be after '--start'\n")
            return .usage
        }
        let sampler: SignalSampler
        do {
            let http = try CurlHTTPClient(configuration: TransportConfiguration(totalTimeout: .seconds(60)))
            sampler = SignalSampler(client: PrometheusClient(baseURL: options.prometheusURL, http: http))
        } catch {
            output.standardError("headroom replay: setting up the HTTP client failed: \(error)\n")
            return .setupFailed
        }

        var replays: [(target: TargetPolicy, steps: [ReplayStep])] = []
        for target in targets {
            switch await replay(target, grid: grid, options: options, sampler: sampler) {
            case .success(let steps):
                output.standardOutput(ReplayReport.text(target: target, steps: steps, stepSeconds: options.stepSeconds))
                replays.append((target, steps))
            case .failure(let error):
                output.standardError("headroom replay: \(error.message)\n")
                return .setupFailed
            }
        }
        return write(replays, options: options, output: output)
    }

    struct ReplayError: Error {
        let message: String
    }

    /// Reads the replicas and signals of `target` over `grid` and steps the engine through them.
    static func replay(_ target: TargetPolicy, grid: RangeGrid, options: ReplayOptions, sampler: SignalSampler) async
        -> Result<[ReplayStep], ReplayError>
    {
        let template = options.replicasQuery ?? ReplicasQuery.default(for: target.kind)
        let series: RangeValues
        do {
            let query = try PromQLTemplate(template).render(PrometheusSignalSource.queryPlaceholders(of: target))
            series = try await sampler.rangeValues(query, over: grid)
        } catch {
            return .failure(
                ReplayError(
                    message: "the replicas query for \(target.identity) at \(options.prometheusURL) failed: \(error); "
                        + "check '--prometheus' and that Prometheus is up, or fix '--replicas-query'"
                )
            )
        }
        // A step with more than one series has no single count, so it is left undecided.
        let replicas = (0..<grid.count).map { index -> Int? in
            let present = series.values.compactMap { $0[index] }
            return present.count == 1 ? Replayer.replicaCount(present[0]) : nil
        }

        let outcomes = await PrometheusSignalSource(sampler: sampler).rangeOutcomes(for: target, over: grid)
        return .success(Replayer.replay(target: target, grid: grid, outcomes: outcomes, replicas: replicas))
    }

    /// Loads the policy and reports each problem on standard error; the valid targets replay.
    static func loadTargets(_ path: String, output: CommandOutput) -> RunCommand.LoadedTargets {
        let result: PolicyLoadResult
        do {
            result = try PolicyLoader.load(path: path)
        } catch {
            output.standardError("headroom replay: \(error)\n")
            return .exit(.unreadablePolicy)
        }
        for problem in result.problems {
            output.standardError("headroom replay: skipping an invalid entry: \(problem)\n")
        }
        guard !result.targets.isEmpty else {
            output.standardError("headroom replay: no valid target in \(path); run 'headroom check --policy \(path)'\n")
            return .exit(.noValidTarget)
        }
        return .loaded(result.targets, result.databases, result.controls)
    }

    /// Writes the optional CSV and SVG files.
    private static func write(
        _ replays: [(target: TargetPolicy, steps: [ReplayStep])],
        options: ReplayOptions,
        output: CommandOutput
    ) -> ExitCode {
        var files: [(flag: String, path: String, text: String)] = []
        if let path = options.csvPath {
            files.append(
                (
                    "--csv", path,
                    ReplayCSV.header + replays.map { ReplayCSV.rows(target: $0.target, steps: $0.steps) }.joined()
                )
            )
        }
        if let path = options.plotPath {
            files.append(("--plot", path, ReplayPlot.svg(replays)))
        }
        for file in files {
            do {
                try file.text.write(toFile: file.path, atomically: true, encoding: .utf8)
            } catch {
                output.standardError(
                    "headroom replay: '\(file.flag)' could not write '\(file.path)': \(error); "
                        + "check that its directory exists and is writable\n"
                )
                return .setupFailed
            }
        }
        return .success
    }
}
