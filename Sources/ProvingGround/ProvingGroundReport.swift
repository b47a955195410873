import Foundation

/// Figures that the report gives for one run.
public struct RunFigures: Codable, Sendable, Equatable {
    public var policy: PolicyKind
    public var scheduled: Int
    public var achievedPercent: Double
    public var responses5xx: Int
    public var transportErrors: Int
    /// Seconds of the load generator's timeline whose p99 (from the scheduled time) was above
    /// the objective.
    public var secondsAboveObjective: Int
    public var p99: Double?
    public var peakReplicas: Int
    /// `spec.replicas` integrated over the load and tail, in replica-seconds.
    public var replicaSeconds: Double
    public var refusals: Int
    public var fleetRefusals: Int?
    public var maxNewConnectionsPerStartupPeriod: Int
    public var peakPostgresConnections: Double?
    /// Seconds from the end of the crowd until `spec.replicas` was back at the minimum, or `nil`
    /// when it did not return within the run.
    public var returnToFloorSeconds: Double?
    public var downstreamLimitedEvents: Int
    public var downstreamBoundEvents: Int?
    public var lowestBudgetCeiling: Double?
    public var invariants: [InvariantCheck]

    /// Computes the figures of one run from its result and the load generator's timeline.
    public init(_ result: RunResult, load: [LoadSecond]) {
        policy = result.policy
        scheduled = result.load.scheduled
        achievedPercent = result.load.achievedRatio * 100
        responses5xx = result.load.status5xx
        transportErrors = result.load.errors
        secondsAboveObjective = load.filter { ($0.p99 ?? 0) > result.scenario.policy.p99TargetSeconds }.count
        p99 = result.load.p99
        peakReplicas = result.timeline.map(\.spec).max() ?? 0

        // Each timeline point's `spec.replicas` stays in effect until the next point. Every
        // run is measured over the same window, the schedule plus the tail, because a run's
        // timeline also covers the wait for its last requests, which differs between runs.
        let windowEnd = result.loadStart + result.scenario.load.duration + Double(result.scenario.tailSeconds)
        var area = 0.0
        for (previous, next) in zip(result.timeline, result.timeline.dropFirst()) where previous.time < windowEnd {
            area += Double(previous.spec) * (min(next.time, windowEnd) - previous.time)
        }
        replicaSeconds = area

        refusals = result.postgres.refusals.count
        fleetRefusals = result.postgres.fleetRefusals
        maxNewConnectionsPerStartupPeriod = result.postgres.maxNewConnectionsPerStartupPeriod
        peakPostgresConnections = result.series["postgresConnections"]?.map(\.value).max()

        let end = Invariants.crowdEnd(result, load: load) ?? result.loadStart
        returnToFloorSeconds = result.timeline.first {
            $0.time > end && $0.spec == result.scenario.stack.minReplicas
        }.map { $0.time - end }

        downstreamBoundEvents = result.events.filter { $0.reason == "DownstreamBound" }.map(\.count).reduce(0, +)
        downstreamLimitedEvents = result.events.filter { $0.reason == "DownstreamLimited" }.map(\.count).reduce(0, +)
        lowestBudgetCeiling = result.series["budgetCeiling"]?.map(\.value).min()
        invariants = Invariants.check(result, load: load, processes: false)
    }
}

/// Report writer for the runs under a directory laid out as `<scenario>/<policy>/result.json`,
/// with `load.jsonl` beside each `result.json`.
public enum ProvingGroundReport {
    static let colors: [PolicyKind: String] = [.headroom: "#1f77b4", .hpaLike: "#d62728"]

    /// Writes `report.md` and, per scenario, `<scenario>.svg` and `<scenario>-figures.json` into
    /// `output`. Returns the Markdown of the report. Throws when `runs` contains no run.
    public static func write(runs: String, output: String) throws -> String {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var markdown = """
            # Proving ground report

            Real processes on 127.0.0.1: fleet-app behind HAProxy on PostgreSQL, the Postgres
            exporter, Prometheus scraping every second, the API test server, `headroom run` with
            Headroom's policy and then with the HPA's defaults, under `headroom-load`. Latency is
            measured by the load generator from each request's scheduled time. Times on the plots
            are seconds since the run's start.

            """

        var found = 0
        for key in runKeys(runs) {
            var runsOfScenario: [(RunResult, [LoadSecond])] = []
            for policy in PolicyKind.allCases {
                let directory = "\(runs)/\(key)/\(policy.rawValue)"
                guard FileManager.default.fileExists(atPath: directory + "/result.json") else { continue }
                var result = try JSONDecoder().decode(
                    RunResult.self,
                    from: Data(Files.read(directory + "/result.json").utf8)
                )
                // PostgreSQL's own log beside the result is the authority: its findings are
                // read again, so the report always matches the log it ships with.
                if let log = try? Files.read(directory + "/postgresql.log") {
                    result.postgres = ProvingGroundRun.postgresFindings(
                        log: log,
                        start: Date(timeIntervalSince1970: result.startedAtUnix),
                        scenario: result.scenario
                    )
                }
                runsOfScenario.append((result, try LoadSecond.read(directory + "/load.jsonl")))
            }
            guard let first = runsOfScenario.first else { continue }

            found += 1
            let figures = runsOfScenario.map { RunFigures($0.0, load: $0.1) }
            markdown += section(first.0.scenario, key: key, figures: figures)
            let chart = plot(first.0.scenario, runs: runsOfScenario)
            try Files.write(chart.render(), to: "\(output)/\(key).svg")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try Files.writeAtomically(encoder.encode(figures), to: "\(output)/\(key)-figures.json")
        }

        guard found > 0 else { throw ProvingGroundError("no result.json under \(runs)/<scenario>/<policy>/") }
        try Files.write(markdown, to: output + "/report.md")
        return markdown
    }

    /// Lists the run directories' names: the scenarios in their fixed order, then any others
    /// (such as a PgBouncer variant) in alphabetical order.
    static func runKeys(_ runs: String) -> [String] {
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? [])
        let known = ScenarioName.allCases.map(\.rawValue)
        return known.filter(present.contains) + present.subtracting(known).sorted()
    }

    /// Builds the title of a scenario's section and chart.
    static func title(_ scenario: Scenario) -> String {
        scenario.name.rawValue + (scenario.stack.pgbouncer ? " through PgBouncer" : "")
            + (scenario.short ? " (short)" : "")
    }

    /// Builds the report section of one scenario: its settings, chart, figures and checks.
    static func section(_ scenario: Scenario, key: String, figures: [RunFigures]) -> String {
        let stack = scenario.stack
        var text = """

            ## \(title(scenario))

            \(scenario.summary). Load \(Int(scenario.load.duration)) s; replicas \(stack.minReplicas) to \
            \(stack.maxReplicas); pools of \(stack.poolMax) (`DB_POOL__MIN` \(stack.poolMin)), \(Int(stack.querySeconds * 1000)) ms \
            of database time per request, so \(Int(stack.capacityPerReplica)) requests/s per warm process; \
            `max_connections` \(stack.maxConnections) with \(stack.superuserReservedConnections) reserved; startup \
            \(Int(stack.startupDelaySeconds)) s, cold for \(Int(stack.coldSeconds)) s after Ready; Headroom's \
            interval \(stack.intervalSeconds) s, scrapes every \(stack.scrapeIntervalSeconds) s.

            ![\(key)](\(key).svg)

            | Figure | \(figures.map(\.policy.rawValue).joined(separator: " | ")) |
            |---|\(figures.map { _ in "---:" }.joined(separator: "|"))|

            """

        func row(_ label: String, _ value: (RunFigures) -> String) {
            text += "| \(label) | \(figures.map(value).joined(separator: " | ")) |\n"
        }

        row("requests scheduled") { "\($0.scheduled)" }
        row("sent on time") { String(format: "%.1f %%", $0.achievedPercent) }
        row("5xx responses") { "\($0.responses5xx)" }
        row("timeouts and transport errors") { "\($0.transportErrors)" }
        row("seconds with p99 above \(Int(scenario.policy.p99TargetSeconds * 1000)) ms") {
            "\($0.secondsAboveObjective)"
        }
        row("p99 over the run") { $0.p99.map { String(format: "%.0f ms", $0 * 1000) } ?? "none" }
        row("peak spec.replicas") { "\($0.peakReplicas)" }
        row("replica-seconds") { String(format: "%.0f", $0.replicaSeconds) }
        row("peak PostgreSQL connections") { $0.peakPostgresConnections.map { String(Int($0)) } ?? "none" }
        row("refused connections (PostgreSQL's log)") { "\($0.refusals)" }
        row("of them, reserved slots refused to a fleet-app pod") {
            $0.fleetRefusals.map(String.init) ?? "not recorded"
        }
        // Behind PgBouncer the pods' connections end at PgBouncer, so PostgreSQL's log cannot
        // count them.
        if !stack.pgbouncer {
            row("max new fleet-app connections in \(Int(stack.startupDelaySeconds)) s") {
                "\($0.maxNewConnectionsPerStartupPeriod)"
            }
        }
        if scenario.name == .flashCrowd {
            row("back at the floor after the crowd") {
                $0.returnToFloorSeconds.map { String(format: "%.0f s", $0) } ?? "not within the run"
            }
        }
        row("DownstreamBound Events") { figure in "\(figure.downstreamBoundEvents ?? 0)" }
        row("DownstreamLimited Events") { "\($0.downstreamLimitedEvents)" }
        row("lowest budget ceiling reported") { $0.lowestBudgetCeiling.map { String(Int($0)) } ?? "none" }

        text += "\nChecks on each run (CI asserts these for Headroom's policy only):\n\n"
        for figure in figures {
            for check in figure.invariants {
                text +=
                    "- \(figure.policy.rawValue): \(check.passed ? "pass" : "FAIL"), \(check.name): \(check.detail)\n"
            }
        }
        return text
    }

    /// Builds the chart of one scenario, with one line per policy in each panel.
    static func plot(_ scenario: Scenario, runs: [(RunResult, [LoadSecond])]) -> PanelChart {
        func color(_ policy: PolicyKind) -> String { colors[policy] ?? "#555" }
        var load: [PanelChart.Line] = []
        var replicas: [PanelChart.Line] = []
        var latency: [PanelChart.Line] = []
        var errors: [PanelChart.Line] = []
        var queue: [PanelChart.Line] = []
        var connections: [PanelChart.Line] = []

        for (index, (result, seconds)) in runs.enumerated() {
            let name = result.policy.rawValue
            let shade = color(result.policy)
            // The load generator counts seconds from the load's start, the other series from the
            // run's start.
            let offset = result.loadStart

            // The schedule is the same under every policy, so only the first run plots it.
            if index == 0 {
                load.append(
                    .init(
                        label: "scheduled",
                        color: "#555",
                        dashed: true,
                        points: seconds.map { (offset + Double($0.second), Double($0.scheduled)) }
                    )
                )
            }

            load.append(
                .init(
                    label: "\(name) 2xx",
                    color: shade,
                    dashed: false,
                    points: seconds.map { (offset + Double($0.second), Double($0.status2xx)) }
                )
            )

            replicas.append(
                .init(
                    label: "\(name) spec",
                    color: shade,
                    dashed: false,
                    points: result.timeline.map { ($0.time, Double($0.spec)) }
                )
            )
            replicas.append(
                .init(
                    label: "\(name) ready",
                    color: shade,
                    dashed: true,
                    points: result.timeline.map { ($0.time, Double($0.ready)) }
                )
            )

            latency.append(
                .init(
                    label: "\(name) load generator",
                    color: shade,
                    dashed: false,
                    points: seconds.compactMap { second in
                        second.p99.map { (offset + Double(second.second), $0 * 1000) }
                    }
                )
            )
            latency.append(
                .init(
                    label: "\(name) app histogram",
                    color: shade,
                    dashed: true,
                    points: (result.series["appP99"] ?? []).map { ($0.time, $0.value * 1000) }
                )
            )

            errors.append(
                .init(
                    label: "\(name) 5xx",
                    color: shade,
                    dashed: false,
                    points: seconds.map { (offset + Double($0.second), Double($0.status5xx)) }
                )
            )

            queue.append(
                .init(
                    label: "\(name) queue",
                    color: shade,
                    dashed: false,
                    points: result.timeline.map { ($0.time, Double(max(0, $0.queue))) }
                )
            )

            connections.append(
                .init(
                    label: "\(name)",
                    color: shade,
                    dashed: false,
                    points: (result.series["postgresConnections"] ?? []).map { ($0.time, $0.value) }
                )
            )
        }

        let stack = scenario.stack
        return PanelChart(
            title:
                "\(scenario.name.rawValue)\(scenario.short ? " (short)" : ""): Headroom's policy and the HPA's defaults",
            panels: [
                .init(title: "Load", unit: "requests/s", lines: load),
                .init(
                    title: "Replicas",
                    unit: "pods",
                    lines: replicas,
                    // The budget's line only where it is below maxReplicas, so it could bind.
                    references: scenario.budgetReplicas < stack.maxReplicas && !stack.pgbouncer
                        ? [("connection budget \(scenario.budgetReplicas) pods", Double(scenario.budgetReplicas))] : []
                ),
                .init(
                    title: "p99 latency",
                    unit: "ms",
                    lines: latency,
                    references: [
                        (
                            "objective \(Int(scenario.policy.p99TargetSeconds * 1000)) ms",
                            scenario.policy.p99TargetSeconds * 1000
                        )
                    ]
                ),
                .init(title: "5xx responses", unit: "per second", lines: errors),
                .init(title: "HAProxy backend queue", unit: "requests", lines: queue),
                .init(
                    title: "PostgreSQL connections",
                    unit: "connections",
                    lines: connections,
                    references: [
                        ("max_connections \(stack.maxConnections)", Double(stack.maxConnections)),
                        (
                            "without superuser slots \(stack.maxConnections - stack.superuserReservedConnections)",
                            Double(stack.maxConnections - stack.superuserReservedConnections)
                        ),
                    ]
                ),
            ]
        )
    }
}
