import Foundation
import Testing

@testable import KubeClient

/// The process runner behind exec credential plugins: exit status, signals, the deadline and
/// cancellation, and that the deadline ends the plugin's whole process group.
@Suite struct PluginProcessTests {
    static func script(_ directory: TemporaryDirectoryForTests, _ body: String) throws -> PluginProcess {
        let path = try directory.write("plugin.sh", "#!/bin/sh\n" + body + "\n", executable: true)
        return PluginProcess(
            executable: path,
            arguments: [],
            environment: ["PATH": "/usr/bin:/bin"],
            timeout: .seconds(2)
        )
    }

    /// Whether `pid` has ended: gone, or a zombie that its new parent has not reaped yet.
    static func hasEnded(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // The state is the first field after the parenthesized command name.
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state == "Z" || state == "X"
    }

    @Test func exitStatusAndOutputCollected() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let process = try Self.script(directory, "echo out\necho err >&2\nexit 3")

        let outcome = try await process.run()

        #expect(outcome.termination == .exited(3))
        #expect(String(decoding: outcome.output, as: UTF8.self) == "out\n")
        #expect(String(decoding: outcome.errors, as: UTF8.self) == "err\n")
    }

    @Test func environmentIsExactlyTheGivenOne() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        var process = try Self.script(directory, #"printf '%s|%s' "$ONLY" "${HOME:-unset}""#)
        process.environment = ["ONLY": "given"]

        let outcome = try await process.run()

        #expect(String(decoding: outcome.output, as: UTF8.self) == "given|unset")
    }

    @Test func signalEndingPluginReported() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let process = try Self.script(directory, "kill -9 $$")

        let outcome = try await process.run()

        #expect(outcome.termination == .signaled(9))
    }

    /// A plugin that closes its output but keeps running is still stopped at the deadline.
    @Test func closedOutputStillTimesOut() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        var process = try Self.script(directory, "exec >&- 2>&-\nsleep 5")
        process.timeout = .milliseconds(300)
        let start = ContinuousClock.now

        let outcome = try await process.run()

        #expect(outcome.termination == .timedOut)
        #expect(start.duration(to: .now) < .seconds(2))
    }

    /// The deadline kills the plugin's whole process group, so a background child that keeps
    /// no pipe open also ends.
    @Test func timeoutKillsBackgroundChild() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let childFile = directory.path + "/child"
        var process = try Self.script(
            directory,
            "sleep 30 >/dev/null 2>&1 &\necho $! > \(childFile)\nwait"
        )
        process.timeout = .milliseconds(500)

        let outcome = try await process.run()

        #expect(outcome.termination == .timedOut)
        let text = try String(contentsOfFile: childFile, encoding: .utf8)
        let child = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await eventually(within: .seconds(2)) { Self.hasEnded(child) })
    }

    /// Cancelling the waiting task ends the wait and kills the plugin well before the timeout.
    @Test func cancellationEndsWait() async throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        var process = try Self.script(directory, "exec sleep 30")
        process.timeout = .seconds(30)
        let start = ContinuousClock.now

        let task = Task { try await process.run() }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let outcome = try await task.value

        #expect(outcome.termination == .timedOut)
        #expect(start.duration(to: .now) < .seconds(5))
    }

    @Test func missingExecutableFailsToStart() async throws {
        let process = PluginProcess(
            executable: "/nonexistent/plugin",
            arguments: [],
            environment: [:],
            timeout: .seconds(1)
        )

        await #expect {
            _ = try await process.run()
        } throws: { error in
            guard let error = error as? PluginStartError else { return false }
            return error.errno == ENOENT && error.step == "posix_spawn"
        }
    }
}
