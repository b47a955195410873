import FleetModel
import Foundation

/// `headroom-testbed report`: reads a run's timeline, prints the summary table and writes
/// `report.md` and `timeline.svg` into a directory.
public enum ReportCommand {
    public static let usage = """
        usage: headroom-testbed report --timeline FILE --out DIR [options]

          --timeline FILE      the JSON-lines timeline a testbed run wrote (--timeline)
          --out DIR            directory for report.md and timeline.svg (created if missing)
          --title TEXT         title of the plot and the report (default: the file name)
          --interval SECONDS   controller interval in trace seconds, to count delays in cycles
          --objective SECONDS  p99 objective in seconds (default 0.5)
          --per-pod-rate N     requests/s one ready pod carries at its target (default 35)
          --note TEXT          a line added under the title, such as the commands of the run

        """

    struct Options {
        var timeline = ""
        var output = ""
        var title: String?
        var interval: Double?
        var objective = 0.5
        var perPodRate = 35.0
        var notes: [String] = []
    }

    public static func main(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage, terminator: "")
            return 0
        }
        let options: Options
        do {
            options = try parse(arguments)
        } catch {
            FileHandle.standardError.write(
                Data("headroom-testbed report: \(error.problems.joined(separator: "\n"))\n".utf8)
            )
            return 2
        }
        do {
            print(try run(options), terminator: "")
            return 0
        } catch {
            FileHandle.standardError.write(Data("headroom-testbed report: \(error)\n".utf8))
            return 1
        }
    }

    static func parse(_ arguments: [String]) throws(OptionProblems) -> Options {
        var options = Options()
        var problems: [String] = []
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            guard index + 1 < arguments.count else {
                problems.append("\(flag) needs a value; see --help")
                break
            }
            let value = arguments[index + 1]
            index += 2
            switch flag {
            case "--timeline": options.timeline = value
            case "--out": options.output = value
            case "--title": options.title = value
            case "--note": options.notes.append(value)
            case "--interval", "--objective", "--per-pod-rate":
                guard let number = Double(value), number.isFinite, number > 0 else {
                    problems.append("\(flag) \"\(value)\" must be a number above 0")
                    continue
                }
                if flag == "--interval" { options.interval = number }
                if flag == "--objective" { options.objective = number }
                if flag == "--per-pod-rate" { options.perPodRate = number }
            default:
                problems.append("unknown flag \"\(flag)\"; run with --help for the list of flags")
            }
        }
        if options.timeline.isEmpty { problems.append("--timeline is required: give the file a testbed run wrote") }
        if options.output.isEmpty { problems.append("--out is required: give a directory for the report") }
        guard problems.isEmpty else { throw OptionProblems(problems: problems) }
        return options
    }

    /// Writes the report files and returns the text to print.
    static func run(_ options: Options) throws -> String {
        let ticks = try readTimeline(options.timeline)
        let records = ticks.map(\.timelineRecord)
        let summary = FleetModel.RunSummary(
            records: records,
            objective: options.objective,
            perPodRate: options.perPodRate
        )
        let labels = Dictionary(ticks.map { ($0.modelTime, $0.traceTime) }, uniquingKeysWith: { first, _ in first })
        let startClock = ticks.first.map { Self.clockSeconds($0.traceTime) - $0.modelTime } ?? 0
        let label: @Sendable (Double) -> String = { time in
            labels[time].map { String($0.prefix(5)) } ?? TickRecord.clock(time + startClock).prefix(5).description
        }
        let title = options.title ?? URL(fileURLWithPath: options.timeline).lastPathComponent
        let table = summary.table(timeLabel: label, controllerInterval: options.interval)

        try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
        let svgPath = (options.output as NSString).appendingPathComponent("timeline.svg")
        let plot = TimelinePlot(title: title, objective: options.objective, timeLabel: label)
        try Data(plot.render(records).utf8).write(to: URL(fileURLWithPath: svgPath))

        var markdown = "# \(title)\n\n"
        for note in options.notes { markdown += "\(note)\n\n" }
        markdown += "![load, replicas, p99 and 5xx over trace time](timeline.svg)\n\n"
        markdown += "```\n\(table)```\n\n"
        markdown += "## Scale events\n\n"
        if summary.scaleEvents.isEmpty {
            markdown += "`spec.replicas` did not change during the run.\n"
        } else {
            markdown += "| Trace time | From | To |\n|---|---|---|\n"
            for event in summary.scaleEvents {
                markdown += "| \(label(event.time)) | \(event.from) | \(event.to) |\n"
            }
        }
        let reportPath = (options.output as NSString).appendingPathComponent("report.md")
        try Data(markdown.utf8).write(to: URL(fileURLWithPath: reportPath))
        return table + "\nreport: \(reportPath)\nplot:   \(svgPath)\n"
    }

    /// Reads JSON-lines tick records; a bad line is an error naming its number.
    static func readTimeline(_ path: String) throws -> [TickRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError("cannot read the timeline \(path): no such file or not readable")
        }
        let decoder = JSONDecoder()
        var records: [TickRecord] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            do {
                records.append(try decoder.decode(TickRecord.self, from: Data(line.utf8)))
            } catch {
                throw ReportError("\(path):\(number + 1): not a testbed tick record: \(error)")
            }
        }
        guard !records.isEmpty else { throw ReportError("the timeline \(path) has no records") }
        return records
    }

    /// Seconds after midnight of an `HH:MM:SS` label.
    static func clockSeconds(_ label: String) -> Double {
        let parts = label.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 3 else { return 0 }
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    }
}

struct ReportError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
