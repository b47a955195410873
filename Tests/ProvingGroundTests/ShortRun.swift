import Foundation
import TestSupport
import Testing

/// One short run of `headroom-proving-ground` under Headroom's policy, and its raw files.
struct ShortRun {
    struct Write {
        var time: Double
        var replicas: Int
    }

    struct Point {
        var time: Double
        var spec: Int
    }

    struct LoadSecond {
        var second: Int
        var scheduled: Int
    }

    let directory: String
    let result: [String: Any]
    let writes: [Write]
    let timeline: [Point]
    let load: [LoadSecond]
    let loadStart: Double
    let loadEnd: Double
    let eventReasons: [String]

    /// Runs the scenario to completion and reads its files. Records an issue and stops the run
    /// after 150 s.
    init(scenario: String) throws {
        let temporary = try TemporaryDirectory(prefix: "proving-ground-\(scenario)")
        directory = temporary.path + "/run"
        let traces = try Self.tracesDirectory(scratch: temporary.path)
        let child = try ChildProcess(
            executable: try Self.binary(),
            arguments: [
                "run", "--scenario", scenario, "--policy", "headroom", "--short", "--out", directory, "--traces",
                traces,
            ],
            logPrefix: temporary.path + "/proving-ground"
        )
        let deadline = Date().addingTimeInterval(150)
        while child.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.5) }
        if child.isRunning {
            child.terminate(grace: .seconds(20))
            Issue.record("headroom-proving-ground did not finish within 150 s: \(child.stderr().suffix(2000))")
        }
        guard let data = FileManager.default.contents(atPath: directory + "/result.json") else {
            throw TestSupportError.notFound(
                "\(directory)/result.json; standard error of headroom-proving-ground: \(child.stderr().suffix(3000))"
            )
        }
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        result = object
        writes = (object["writes"] as? [[String: Any]] ?? []).map {
            Write(time: $0["time"] as? Double ?? -1, replicas: $0["replicas"] as? Int ?? -1)
        }
        timeline = (object["timeline"] as? [[String: Any]] ?? []).map {
            Point(time: $0["time"] as? Double ?? -1, spec: $0["spec"] as? Int ?? -1)
        }
        loadStart = object["loadStart"] as? Double ?? -1
        loadEnd = object["loadEnd"] as? Double ?? -1
        eventReasons = (object["events"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        let loadText = try String(contentsOfFile: directory + "/load.jsonl", encoding: .utf8)
        load = try loadText.split(separator: "\n").map { line in
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return LoadSecond(second: record["second"] as? Int ?? -1, scheduled: record["scheduled"] as? Int ?? -1)
        }
    }

    /// Returns a series that the run read from Prometheus, as (seconds since the run's start,
    /// value).
    func series(_ name: String) -> [(time: Double, value: Double)] {
        let all = result["series"] as? [String: Any] ?? [:]
        return (all[name] as? [[String: Any]] ?? []).map {
            (time: $0["time"] as? Double ?? -1, value: $0["value"] as? Double ?? -1)
        }
    }

    /// Checks that the load generator sent at least 95 % of its schedule on time, by its summary,
    /// and that its per-second records add up to the summary's schedule.
    func expectValidLoad() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/load-summary.json"))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let scheduled = try #require(summary["scheduled"] as? Int)
        let onTime = try #require(summary["onTime"] as? Int)
        #expect(scheduled > 0)
        // Sent is not served: a run where every request failed must not pass as valid load.
        let served = try #require(summary["status2xx"] as? Int)
        #expect(served > 0, "no request got a 2xx response")
        #expect(Double(onTime) >= 0.95 * Double(scheduled), "\(onTime) of \(scheduled) on time")
        #expect(load.map(\.scheduled).reduce(0, +) == scheduled)
    }

    /// Checks that PostgreSQL's own log has no refusal for lack of connection slots. The log
    /// must contain neither "too many clients" (no slot at all) nor "remaining connection slots
    /// are reserved" (only the superusers' reserved slots left), which an ordinary role meets
    /// first.
    func expectNoRefusals() throws {
        let log = try String(contentsOfFile: directory + "/postgresql.log", encoding: .utf8)
        let refusals = log.split(separator: "\n").filter {
            $0.contains("too many clients already") || $0.contains("remaining connection slots are reserved")
        }
        #expect(refusals.isEmpty, "refusals: \(refusals.prefix(3))")

        // The log is the real one, because it recorded the fleet's connections.
        #expect(log.contains("connection authorized: user=directus"))
    }

    /// Checks that no process the run started is alive: every pid that it recorded is gone.
    func expectEveryProcessStopped() throws {
        let processes = try #require(result["processes"] as? [[String: Any]])
        #expect(processes.count >= 4, "processes recorded: \(processes.count)")
        for process in processes {
            let pid = try #require(process["pid"] as? Int)
            let name = process["name"] as? String ?? "?"
            // Each process leads its own process group, and no member of the group may be left.
            // Signal 0 to the group fails with ESRCH when the group has no member.
            let status = kill(-Int32(pid), 0)
            let error = errno
            #expect(status != 0, "\(name) (group \(pid)) still has processes")
            #expect(error == ESRCH, "\(name) (group \(pid)): errno \(error) after kill(2), expected ESRCH")
        }
    }

    /// Reads the times, in Unix seconds, of the fleet's authorized connections from PostgreSQL's
    /// log. The times come from the log's `%m` timestamps (`2026-12-05 02:40:01.556 UTC`).
    func fleetConnectionTimes() throws -> [Double] {
        let log = try String(contentsOfFile: directory + "/postgresql.log", encoding: .utf8)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        var times: [Double] = []
        for line in log.split(separator: "\n")
        where line.contains("connection authorized: user=directus") && line.contains("application_name=directus-") {
            let stamp = String(line.prefix(23))
            let date = try #require(formatter.date(from: stamp), "no timestamp in: \(line)")
            times.append(date.timeIntervalSince1970)
        }
        return times
    }

    /// Finds the `headroom-proving-ground` executable next to the test bundle or the test runner.
    /// Requests per minute of the WorldCup98 trace, 1998-05-12 06:34 to 06:57: the window the
    /// short flash crowd replays (the crowd is 06:38 to 06:44).
    static let worldCup98Window = [
        1196, 1192, 1150, 1252, 15085, 25574, 57509, 46561, 55042, 27578, 6418, 1074, 1029, 1119, 1103, 1061,
        1063, 1205, 1023, 1036, 976, 1186, 847, 898,
    ]

    /// Returns the traces directory: `HEADROOM_TRACES`, else `shared/traces` beside the
    /// repository or one of its parents, else a directory in `scratch` holding the short flash
    /// crowd's window of the trace, so the test runs on a machine without the traces too.
    static func tracesDirectory(scratch: String) throws -> String {
        let fileName = "worldcup98-requests-per-minute.csv"
        if let variable = ProcessInfo.processInfo.environment["HEADROOM_TRACES"], !variable.isEmpty {
            return variable
        }
        var base = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            base = base.deletingLastPathComponent()
            let candidate = base.appendingPathComponent("shared/traces").path
            if FileManager.default.isReadableFile(atPath: candidate + "/" + fileName) { return candidate }
        }
        let directory = scratch + "/traces"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var lines = ["period,count"]
        for (index, count) in worldCup98Window.enumerated() {
            lines.append(String(format: "1998-05-12 06:%02d:00,%d", 34 + index, count))
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: directory + "/" + fileName,
            atomically: true,
            encoding: .utf8
        )
        return directory
    }

    static func binary() throws -> String {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.appendingPathComponent("headroom-proving-ground"),
            bundle.deletingLastPathComponent().appendingPathComponent("headroom-proving-ground"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("headroom-proving-ground"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestSupportError.notFound(
            "headroom-proving-ground next to \(bundle.path); build it with swift build --build-tests"
        )
    }
}
