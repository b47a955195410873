import Foundation

/// A program started by a test, with its output captured to files in a directory.
/// `terminate()` sends SIGTERM, then SIGKILL after a grace period.
public final class ChildProcess: @unchecked Sendable {
    public let process: SpawnedProcess
    public let stdoutPath: String
    public let stderrPath: String

    /// Starts `executable` with `arguments`; output goes to `<logPrefix>.stdout` and `.stderr`.
    public init(
        executable: String,
        arguments: [String],
        environment: [String: String]? = nil,
        logPrefix: String
    ) throws {
        guard let resolved = ChildProcess.resolve(executable) else {
            throw TestSupportError.notFound("executable \(executable) on PATH")
        }
        stdoutPath = logPrefix + ".stdout"
        stderrPath = logPrefix + ".stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)

        process = try SpawnedProcess(
            path: resolved,
            arguments: arguments,
            environment: environment,
            stdoutPath: stdoutPath,
            stderrPath: stderrPath
        )
    }

    public var isRunning: Bool { process.isRunning }

    public func stderr() -> String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    public func stdout() -> String {
        (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
    }

    public func terminate(grace: Duration = .seconds(5)) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline {
            usleep(20_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        terminate(grace: .seconds(2))
    }

    /// The absolute path of `name`, looked up on `PATH` unless it contains a slash.
    public static func resolve(_ name: String) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// The result of running a program to completion.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs `executable` to completion and returns its exit status and output.
/// The run is killed after `timeout`.
public func runCommand(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil,
    timeout: Duration = .seconds(60)
) throws -> CommandResult {
    let directory = try TemporaryDirectory(prefix: "command")
    defer { directory.remove() }
    let child = try ChildProcess(
        executable: executable,
        arguments: arguments,
        environment: environment,
        logPrefix: directory.file("out")
    )
    let deadline = ContinuousClock.now + timeout
    while child.isRunning && ContinuousClock.now < deadline {
        usleep(10_000)
    }
    if child.isRunning {
        child.terminate(grace: .seconds(1))
        throw TestSupportError.timedOut("\(executable) \(arguments.joined(separator: " "))")
    }
    return CommandResult(status: child.process.terminationStatus, stdout: child.stdout(), stderr: child.stderr())
}
