import Foundation
import TestSupport
import Testing

/// Runs the `headroom-testbed` executable built next to the test bundle.
@Suite(.serialized) struct ExecutableTests {
    static func executable() throws -> String {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.appendingPathComponent("headroom-testbed"),
            bundle.deletingLastPathComponent().appendingPathComponent("headroom-testbed"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("headroom-testbed"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestSupportError.notFound("headroom-testbed next to \(bundle.path); run swift build --build-tests")
    }

    @Test func badFlagExitsTwoNamingFlagAndValue() throws {
        let result = try runCommand(
            try Self.executable(),
            ["--cert", "c", "--key", "k", "--token", "t=a", "--compression", "-3"],
            timeout: .seconds(20)
        )

        #expect(result.status == 2)
        #expect(result.stderr.contains("--compression \"-3\" must be a number above 0"))
    }

    @Test func runsTheLoadThenExitsZero() throws {
        let directory = try TemporaryDirectory(prefix: "testbed-exe")
        defer { directory.remove() }
        let (certificate, key) = try LiveTestbed.generateCertificate(in: directory)
        let timeline = directory.file("timeline.jsonl")

        // 8 model seconds at 4× compression: about 2 wall seconds.
        let result = try runCommand(
            try Self.executable(),
            [
                "--cert", certificate, "--key", key, "--token", "t=admin", "--load", "steady:30:8",
                "--compression", "4", "--timeline", timeline, "--file-sd", directory.file("sd.json"),
                "--prometheus-config", directory.file("prometheus.yml"),
            ],
            timeout: .seconds(30)
        )

        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(lines == ["api", "admin", "metrics"])
        #expect(result.stdout.contains("api https://127.0.0.1:"))
        #expect(result.stdout.contains("metrics http://127.0.0.1:"))
        let records = try String(contentsOfFile: timeline, encoding: .utf8).split(separator: "\n")
        #expect(records.count == 8)
        #expect(records.last?.contains("\"modelTime\":8") == true)
        #expect(FileManager.default.fileExists(atPath: directory.file("prometheus.yml")))
    }

    @Test func sigtermStopsTheRunAndExitsZero() throws {
        let directory = try TemporaryDirectory(prefix: "testbed-exe")
        defer { directory.remove() }
        let (certificate, key) = try LiveTestbed.generateCertificate(in: directory)
        let child = try ChildProcess(
            executable: try Self.executable(),
            arguments: ["--cert", certificate, "--key", key, "--token", "t=admin", "--load", "steady:10:3600"],
            logPrefix: directory.file("testbed")
        )
        defer { child.terminate(grace: .seconds(2)) }
        let deadline = ContinuousClock.now + .seconds(20)
        while !child.stdout().contains("metrics http") && child.isRunning && ContinuousClock.now < deadline {
            usleep(50_000)
        }
        try #require(child.stdout().contains("metrics http"), "no banner: \(child.stderr())")

        kill(child.process.processIdentifier, SIGTERM)
        let stopDeadline = ContinuousClock.now + .seconds(10)
        while child.isRunning && ContinuousClock.now < stopDeadline { usleep(20_000) }

        #expect(!child.isRunning)
        #expect(child.process.terminationStatus == 0)
        #expect(child.stderr().contains("stopped (cancelled)"))
    }
}
