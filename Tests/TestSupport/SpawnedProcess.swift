import Foundation
import Synchronization

/// A child process started with `posix_spawn`, with the members of Foundation's `Process` that
/// the tests use. Foundation's `Process.run()` on Linux (Swift 6.3.1) can crash with a buffer
/// over-read while it lists `/proc/self/fd` before the spawn. A CI run of this suite crashed
/// there once in `memcpy`, so the tests start children here instead.
public final class SpawnedProcess: Sendable {
    public let processIdentifier: Int32
    /// The wait status once the child was reaped, or nil while it runs.
    private let status = Mutex<Int32?>(nil)

    /// Starts `path` with `arguments` and `environment` (nil for this process's own), its
    /// standard input from /dev/null and its output appended to the two files.
    init(path: String, arguments: [String], environment: [String: String]?, stdoutPath: String, stderrPath: String)
        throws
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_APPEND, 0)

        // The child starts with no blocked signal and every handler at its default, whatever the
        // test runner's threads set.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in Int32(1)..<32 where signal != SIGKILL && signal != SIGSTOP {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let variables = environment ?? ProcessInfo.processInfo.environment
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard code == 0 else {
            throw TestSupportError.failed("posix_spawn of \(path) failed: \(String(cString: strerror(code)))")
        }
        processIdentifier = pid
    }

    /// Reaps the child if it has exited; with `blocking`, waits for it.
    private func reap(blocking: Bool) -> Int32? {
        status.withLock { status in
            if let status { return status }
            var value: Int32 = 0
            while true {
                let result = waitpid(processIdentifier, &value, blocking ? 0 : WNOHANG)
                if result == processIdentifier {
                    status = value
                    return value
                }
                if result == -1 && errno == EINTR { continue }
                return nil
            }
        }
    }

    public var isRunning: Bool { reap(blocking: false) == nil }

    public func waitUntilExit() {
        _ = reap(blocking: true)
    }

    /// Sends SIGTERM, as `Process.terminate()` does.
    public func terminate() {
        guard isRunning else { return }
        kill(processIdentifier, SIGTERM)
    }

    /// The exit status, or the signal number after a signal; 0 while the child runs.
    public var terminationStatus: Int32 {
        guard let value = reap(blocking: false) else { return 0 }
        return value & 0x7f == 0 ? (value >> 8) & 0xff : value & 0x7f
    }

    /// Whether the child exited or a signal ended it.
    public var terminationReason: Process.TerminationReason {
        guard let value = reap(blocking: false) else { return .exit }
        return value & 0x7f == 0 ? .exit : .uncaughtSignal
    }
}
