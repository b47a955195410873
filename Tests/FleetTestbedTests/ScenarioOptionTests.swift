import FleetModel
import Foundation
import Testing

@testable import FleetTestbed

@Suite struct ScenarioOptionTests {
    let required = ["--cert", "c.pem", "--key", "k.pem", "--token", "t=admin"]

    /// `flash-sale-30x`: 2 replicas starting cold, fleet directus-pgbouncer, 60/s until 600 s,
    /// then a 60 s ramp to 1,800/s (930/s halfway), 2,220 s in all.
    @Test func flashSaleScenarioSetsLoadReplicasAndColdStart() throws {
        let options = try TestbedOptions.parse(required + ["--scenario", "flash-sale-30x"])
        let configuration = options.configuration
        #expect(configuration.replicas == 2)
        #expect(configuration.cold)
        #expect(configuration.parameters == .directusPgBouncer)
        #expect(configuration.load.duration == 2_220)
        #expect(configuration.load.rate(100) == 60)
        #expect(configuration.load.rate(630) == 930)
        #expect(configuration.load.label == "flash-sale-30x")
    }

    /// Flags given beside the scenario win over its values.
    @Test func explicitFlagsWinOverScenario() throws {
        let options = try TestbedOptions.parse(
            required + ["--replicas", "5", "--scenario", "db-bound", "--fleet", "directus-pgbouncer"]
        )
        #expect(options.configuration.replicas == 5)
        #expect(options.configuration.parameters == .directusPgBouncer)
    }

    @Test func scenarioProblemsNameValueAndFix() {
        #expect {
            _ = try TestbedOptions.parse(required + ["--scenario", "black-friday"])
        } throws: { error in
            let problems = (error as? OptionProblems)?.problems ?? []
            return problems.count == 1 && problems[0].contains("\"black-friday\"")
                && problems[0].contains("flash-sale-30x")
        }
        #expect {
            _ = try TestbedOptions.parse(required + ["--scenario", "flash-sale-30x", "--load", "steady:1:1"])
        } throws: { error in
            let problems = (error as? OptionProblems)?.problems ?? []
            return problems.count == 1 && problems[0].contains("leave out --load")
        }
        let missing = "/nonexistent/traces-\(UUID().uuidString)"
        #expect {
            _ = try TestbedOptions.parse(required + ["--scenario", "worldcup98-flash-crowd", "--traces", missing])
        } throws: { error in
            let problems = (error as? OptionProblems)?.problems ?? []
            return problems.count == 1 && problems[0].contains(missing)
        }
    }
}

@Suite struct ReportCommandTests {
    /// A 1,200 s timeline starting at 06:00: 10 requests/s, 100/s from 701 to 1,000, desired
    /// 2 → 4 at 720 and back at 1,100, ready 4 from 740.
    static func timeline() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var lines = ""
        for second in 1...1200 {
            let spike = (701...1000).contains(second)
            var report = TickReport(
                time: Double(second),
                arrivals: spike ? 100 : 10,
                requests: StatusCounts(),
                latency: LatencyHistogram(),
                readyPods: (740..<1100).contains(second) ? 4 : 2,
                startingPods: 0,
                pendingPods: 0,
                terminatingPods: 0,
                databaseConnections: 4,
                queueDepth: 0
            )
            report.requests.ok = report.arrivals
            report.latency.add(count: report.arrivals, latency: 0.05)
            let desired = (720..<1100).contains(second) ? 4 : 2
            let record = TickRecord(
                report: report,
                offeredRate: report.arrivals,
                desired: desired,
                wallTime: Date(timeIntervalSince1970: 1_000 + Double(second) / 10),
                startClock: 6 * 3600
            )
            lines += String(decoding: record.jsonLine(), as: UTF8.self)
        }
        return lines
    }

    @Test func reportWritesTableMarkdownAndPlot() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let timeline = directory.appendingPathComponent("timeline.jsonl")
        try Data(Self.timeline().utf8).write(to: timeline)
        let output = directory.appendingPathComponent("out").path

        var options = ReportCommand.Options()
        options.timeline = timeline.path
        options.output = output
        options.interval = 15
        let text = try ReportCommand.run(options)

        // The spike runs from 701 (06:11:41) to 1,000 (06:16:40); the first scale-up is at
        // 720, 19 s after it starts.
        #expect(text.contains("06:11 to 06:16"))
        #expect(text.contains("19 s (1.3 cycles)"))
        // Peak 100/s needs 3 pods at 35 each; 4 are ready at 740, 39 s after onset.
        #expect(text.contains("39 s (2.6 cycles)"))
        let markdown = try String(contentsOfFile: output + "/report.md", encoding: .utf8)
        #expect(markdown.contains("| 06:12 | 2 | 4 |"))
        #expect(markdown.contains("| 06:18 | 4 | 2 |"))
        let svg = try String(contentsOfFile: output + "/timeline.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<?xml"))
    }

    @Test func badTimelineLineIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let timeline = directory.appendingPathComponent("timeline.jsonl")
        try Data((Self.timeline().split(separator: "\n").prefix(2).joined(separator: "\n") + "\n{oops\n").utf8)
            .write(to: timeline)
        var options = ReportCommand.Options()
        options.timeline = timeline.path
        options.output = directory.path
        #expect {
            _ = try ReportCommand.run(options)
        } throws: { error in
            "\(error)".contains("timeline.jsonl:3:")
        }
    }
}
