import Autoscaler
import Foundation
import HTTPServer
import HTTPTransport
import KubeClient
import MetricsClient
import Observability

/// `headroom run`: the control loop against Prometheus and the Kubernetes API.
enum RunCommand: Subcommand {
    static let name = "run"
    static let summary = "Run the control loop: read signals from Prometheus, scale workloads"
    static let help = RunHelp.text

    static func run(_ arguments: [String], output: CommandOutput) async -> ExitCode {
        let options: RunOptions
        switch RunOptions.parse(arguments) {
        case .success(let parsed):
            options = parsed
        case .failure(let error):
            output.standardError("headroom run: \(error.message)\nUsage: \(RunHelp.usage)\n")
            return .usage
        }

        let streamSink = StreamLogSink(format: options.logFormat)
        let logger: Logger
        if options.dryRun {
            let echo = DryRunEchoSink(
                inner: streamSink,
                innerLevel: options.logLevel,
                standardOutput: output.standardOutput
            )
            logger = Logger(level: min(options.logLevel, .info), sink: echo)
        } else {
            logger = Logger(level: options.logLevel, sink: streamSink)
        }

        // Read before loading, so a change made while starting is still seen as a change.
        let policyBaseline = try? PolicyFileSnapshot.read(path: options.policyPath).get()
        let targets: [TargetPolicy]
        let databases: [DatabasePolicy]
        let controls: PolicyControls
        switch loadTargets(options.policyPath, logger: logger) {
        case .loaded(let loaded, let loadedDatabases, let loadedControls):
            targets = loaded
            databases = loadedDatabases
            controls = loadedControls
        case .exit(let code):
            return code
        }

        let runtime: RunRuntime
        do {
            runtime = try RunRuntime(
                options: options,
                targets: targets,
                databases: databases,
                controls: controls,
                policyBaseline: policyBaseline,
                logger: logger
            )
        } catch {
            logger.error("setup failed", ["error": .string("\(error)")])
            return .setupFailed
        }
        defer { runtime.stop() }

        if options.once {
            // One attempt at the Lease: a standby runs its one cycle without writing.
            if let leadership = runtime.leadership {
                await leadership.elector.campaignOnce()
                _ = await leadership.step(loop: runtime.loop)
            }
            let code = await runOnce(runtime.loop, logger: logger)
            await runtime.leadership?.finish(loop: runtime.loop)
            return code
        }
        let watching = runtime.policyWatcher.map { watcher in Task { await watcher.run() } }
        defer { watching?.cancel() }
        return await runUntilSignalled(runtime.loop, logger: logger, leadership: runtime.leadership)
    }

    /// Loads the policy and logs each problem as an error; the valid targets run.
    static func loadTargets(_ path: String, logger: Logger) -> LoadedTargets {
        let result: PolicyLoadResult
        do {
            result = try PolicyLoader.load(path: path)
        } catch {
            logger.error("reading the policy failed", ["policy": .string(path), "error": .string("\(error)")])
            return .exit(.unreadablePolicy)
        }
        for problem in result.problems {
            logger.error(
                "invalid policy entry; its target is skipped",
                ["policy": .string(path), "problem": .string(problem.description)]
            )
        }
        guard !result.targets.isEmpty else {
            logger.error(
                "no valid target in the policy; nothing to run",
                ["policy": .string(path), "declaredTargets": .int(result.declaredTargetCount)]
            )
            return .exit(.noValidTarget)
        }
        return .loaded(result.targets, result.databases, result.controls)
    }

    enum LoadedTargets {
        case loaded([TargetPolicy], [DatabasePolicy], PolicyControls)
        case exit(ExitCode)
    }

    /// Runs one cycle and returns 0 when every target was read and handled as decided and no
    /// signal query failed, 6 when a target was not handled as decided, and else 8 when a
    /// signal query failed. The loop has already logged the failed signals.
    static func runOnce(_ loop: ControlLoop, logger: Logger) async -> ExitCode {
        let start = ContinuousClock.now
        let report = await loop.runCycle()
        let elapsed = (ContinuousClock.now - start).timeInterval
        var incomplete = 0
        for (identity, outcome) in report.outcomes.sorted(by: { $0.key < $1.key }) {
            switch outcome {
            case .failed, .outsideChange:
                incomplete += 1
                logger.warning("target not handled as decided", ["target": .string(identity), "outcome": "\(outcome)"])
            default:
                break
            }
        }
        let failedQueries = report.failedSignals.values.reduce(0) { $0 + $1.count }
        logger.info(
            "single cycle finished",
            [
                "targets": .int(report.outcomes.count), "incompleteTargets": .int(incomplete),
                "failedSignalQueries": .int(failedQueries), "cycleSeconds": .double(elapsed),
            ]
        )
        if incomplete > 0 { return .cycleIncomplete }
        return failedQueries > 0 ? .signalQueryFailed : .success
    }

    /// Runs cycles until SIGTERM or SIGINT. The first signal lets the cycle in progress finish
    /// and exits 0, forced after 9 seconds; a second signal exits at once.
    static func runUntilSignalled(
        _ loop: ControlLoop,
        logger: Logger,
        leadership: LeaderStateKeeper? = nil
    ) async -> ExitCode {
        let signals = ShutdownSignals()
        let electorTask = Task { await leadership?.elector.run() }
        let keeperTask = Task {
            await leadership?.run(loop: loop, period: leadership?.elector.settings.retryPeriod ?? 1)
        }
        let loopTask = Task { await loop.run() }
        let listener = Task {
            var received = 0
            for await number in signals.signals {
                received += 1
                let name = ShutdownSignals.name(of: number)
                if received == 1 {
                    logger.info("shutting down after the current cycle", ["signal": .string(name)])
                    loopTask.cancel()
                    Task.detached {
                        // 9 s leaves room to exit within the 10 s a pod's grace period is
                        // commonly planned around.
                        try? await Task.sleep(for: .seconds(9))
                        logger.warning("the cycle did not finish within 9 seconds; exiting")
                        exit(ExitCode.success.rawValue)
                    }
                } else {
                    logger.warning("second shutdown signal; exiting at once", ["signal": .string(name)])
                    exit(ExitCode.interrupted.rawValue)
                }
            }
        }
        await loopTask.value
        // The last cycle has finished: stop renewing, then hand the Lease over once.
        keeperTask.cancel()
        await keeperTask.value
        electorTask.cancel()
        await electorTask.value
        await leadership?.finish(loop: loop)
        signals.cancel()
        listener.cancel()
        return .success
    }
}
