import Foundation
import TestSupport
import Testing

/// Checks of bad stops and bad input: an interrupted run, and a traces directory without the
/// trace. They extend the serialized suite, so they never run beside a short run.
extension ProvingGroundShortTests {
    /// Ctrl-C in a terminal (SIGINT) and a stop from a supervisor (SIGTERM) must stop every
    /// process the run started. Each of those processes leads its own process group, so the
    /// signal reaches only `headroom-proving-ground`, and the run must stop the rest itself.
    ///
    /// The processes of a run are found independently of the run's own records: every process
    /// whose command line or standard output or error names the run's directory. PostgreSQL,
    /// HAProxy, Prometheus, Headroom and the load generator name it in their arguments. The
    /// fleet-app processes, the PostgreSQL backends and the exporter write their output there.
    @Test(arguments: [SIGINT, SIGTERM])
    func interruptLeavesNothingRunning(signal: Int32) throws {
        let temporary = try TemporaryDirectory(prefix: "proving-ground-interrupt")
        defer { temporary.remove() }
        let directory = temporary.path + "/run"
        let child = try ChildProcess(
            executable: try ShortRun.binary(),
            arguments: ["run", "--scenario", "db-bound", "--policy", "headroom", "--short", "--out", directory],
            logPrefix: temporary.path + "/proving-ground"
        )
        // Whatever the outcome, nothing of this run may outlive the test.
        defer { Self.killAll(Self.processes(naming: directory)) }

        // Interrupt once the load runs, when every kind of process is up.
        let started = Date()
        while child.isRunning, Date().timeIntervalSince(started) < 60,
            !(child.stdout() + child.stderr()).contains("load started")
        {
            Thread.sleep(forTimeInterval: 0.25)
        }
        try #require(child.isRunning, "the run ended before its load started: \(child.stderr().suffix(2000))")
        let before = Self.processes(naming: directory)
        // PostgreSQL (with its backends), HAProxy, Prometheus, the exporter, two pods, Headroom
        // and the load generator: at least eight.
        #expect(before.count >= 8, "processes of the run before the signal: \(before.count)")

        kill(child.process.processIdentifier, signal)
        let signalled = Date()
        while child.isRunning, Date().timeIntervalSince(signalled) < 45 { Thread.sleep(forTimeInterval: 0.25) }
        #expect(!child.isRunning, "headroom-proving-ground still runs 45 s after signal \(signal)")

        // The longest stop is Headroom's 10 s grace. The groups get 5 s more to be reaped.
        var left = Self.processes(naming: directory)
        let stopped = Date()
        while !left.isEmpty, Date().timeIntervalSince(stopped) < 15 {
            Thread.sleep(forTimeInterval: 0.5)
            left = Self.processes(naming: directory)
        }
        #expect(left.isEmpty, "after signal \(signal), still running: \(left.prefix(12).map(\.command))")
    }

    /// A `--traces` directory that lacks `worldcup98-requests-per-minute.csv`, or that does not
    /// exist, is bad input. It must fail at once with status 2 (the usage text's status for
    /// invalid flags), naming the directory and the missing file, before any component starts,
    /// so the run directory contains no PostgreSQL cluster.
    @Test(arguments: ["empty", "missing"])
    func tracesWithoutTraceFailsEarly(kind: String) throws {
        let temporary = try TemporaryDirectory(prefix: "proving-ground-traces")
        defer { temporary.remove() }
        let traces = temporary.path + "/traces-" + kind
        if kind == "empty" {
            try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        }
        let output = temporary.path + "/run"
        defer { Self.killAll(Self.processes(naming: output)) }

        let result = try runCommand(
            try ShortRun.binary(),
            [
                "run", "--scenario", "flash-crowd", "--policy", "headroom", "--short", "--out", output,
                "--traces", traces,
            ],
            timeout: .seconds(120)
        )
        #expect(result.status == 2, "exit status \(result.status); standard error: \(result.stderr)")
        #expect(result.stderr.contains(traces), "the message does not name --traces \(traces): \(result.stderr)")
        #expect(
            result.stderr.contains("worldcup98-requests-per-minute.csv"),
            "the message does not name the missing file: \(result.stderr)"
        )
        #expect(
            !FileManager.default.fileExists(atPath: output + "/postgres"),
            "PostgreSQL was started before the bad --traces was reported"
        )
    }

    struct Found {
        var pid: Int32
        var command: String
    }

    /// Lists the live processes whose command line, standard output or standard error names
    /// `directory`. Zombies are left out, because they hold no resources and cannot be signalled.
    static func processes(naming directory: String) -> [Found] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let own = getpid()
        return entries.compactMap { entry -> Found? in
            guard let pid = Int32(entry), pid != own else { return nil }
            if let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")"),
                stat[stat.index(after: close)...].split(separator: " ").first == "Z"
            {
                return nil
            }
            let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") ?? Data()
            let command = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            let outputs = ["1", "2"].compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\($0)")
            }
            guard command.contains(directory) || outputs.contains(where: { $0.hasPrefix(directory + "/") })
            else { return nil }
            return Found(pid: pid, command: String(command.prefix(160)))
        }
    }

    /// Sends SIGKILL to each process and to its process group, unless the group is this test
    /// process's own.
    static func killAll(_ found: [Found]) {
        let ownGroup = getpgrp()
        for process in found {
            let group = getpgid(process.pid)
            if group > 1, group != ownGroup { kill(-group, SIGKILL) }
            kill(process.pid, SIGKILL)
        }
    }
}
