import Foundation
import TestSupport

/// The `headroom` executable built next to the test bundle.
enum HeadroomProcess {
    /// Returns its path, or throws when the build did not produce it, so the tests fail rather
    /// than skip.
    static func path() throws -> String {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.appendingPathComponent("headroom"),
            bundle.deletingLastPathComponent().appendingPathComponent("headroom"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("headroom"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestSupportError.notFound("headroom next to \(bundle.path); run swift build --build-tests first")
    }

    /// Runs `headroom` to completion.
    static func run(_ arguments: [String]) async throws -> ChildResult {
        try await runChild(try path(), arguments, timeout: .seconds(60))
    }

    /// Starts `headroom` in the background; the caller terminates it.
    static func start(_ arguments: [String], in directory: TemporaryDirectory) throws -> ChildProcess {
        try ChildProcess(
            executable: try path(),
            arguments: arguments,
            logPrefix: directory.file("headroom-\(UUID().uuidString)")
        )
    }

    /// Polls `condition` every 100 ms until it is true or `timeout` passes.
    ///
    /// It suspends instead of blocking, because the in-process API test server serves
    /// requests in tasks on the same cooperative thread pool as the tests.
    static func wait(
        _ what: String,
        timeout: Duration = .seconds(30),
        until condition: () throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError.timedOut(what)
    }
}

/// Runs `executable` to completion, suspending while it runs, and kills it after `timeout`.
func runChild(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil,
    timeout: Duration
) async throws -> ChildResult {
    let directory = try TemporaryDirectory(prefix: "e2e-command")
    defer { directory.remove() }
    let child = try ChildProcess(
        executable: executable,
        arguments: arguments,
        environment: environment,
        logPrefix: directory.file("out")
    )
    do {
        try await HeadroomProcess.wait("\(executable) \(arguments.joined(separator: " "))", timeout: timeout) {
            !child.isRunning
        }
    } catch {
        child.terminate(grace: .seconds(1))
        throw error
    }
    return ChildResult(status: child.process.terminationStatus, stdout: child.stdout(), stderr: child.stderr())
}

/// kubectl from PATH against the environment's API server, with its own cache directory.
struct Kubectl {
    let environment: EndToEndEnvironment

    func run(_ arguments: [String]) async throws -> ChildResult {
        guard let path = ChildProcess.resolve("kubectl") else {
            throw TestSupportError.notFound("kubectl on PATH (the machine's dispatcher with a 1.32 client)")
        }
        let common = [
            "--kubeconfig", environment.kubeconfigPath,
            "--cache-dir", environment.directory.file("kubectl-cache"), "--request-timeout", "20s",
        ]
        var variables = ProcessInfo.processInfo.environment
        variables["HOME"] = environment.directory.path
        variables["KUBECONFIG"] = nil
        return try await runChild(path, arguments + common, environment: variables, timeout: .seconds(60))
    }
}

/// The exit status and output of a finished child process.
struct ChildResult {
    var status: Int32
    var stdout: String
    var stderr: String
}
