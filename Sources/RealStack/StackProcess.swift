import Foundation
import Synchronization

/// A server process of the real stack, started with `posix_spawn` in a process group of its
/// own so that `terminate(grace:)` also reaches the children it forks (PostgreSQL backends,
/// the program that `runuser` starts). Foundation's `Process.run()` can crash on Linux while it
/// lists `/proc/self/fd` before the spawn, so this type does not use it.
public final class StackProcess: Sendable {
    /// The process ID, which is also the process group ID.
    public let pid: Int32
    /// The program and arguments as run, after any `runuser` prefix.
    public let argv: [String]
    public let stdoutPath: String
    public let stderrPath: String
    /// The wait status once the process was reaped, or nil while it runs.
    private let status = Mutex<Int32?>(nil)

    /// Starts `argv[0]` (an absolute path) with the rest of `argv` as arguments.
    ///
    /// - Parameters:
    ///   - environment: the whole environment of the child, or nil for this process's own.
    ///   - workingDirectory: the child's current directory, or nil for this process's own.
    ///   - runAsUser: when this process runs as root, the child runs as this user through
    ///     `runuser -u USER --`, because PostgreSQL and PgBouncer reject root. Ignored otherwise.
    public init(
        argv: [String],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        stdoutPath: String,
        stderrPath: String,
        runAsUser: String? = nil
    ) throws(RealStackError) {
        guard let program = argv.first, program.hasPrefix("/") else {
            throw .invalidArgument(
                "argv[0] is \(argv.first.map { "'\($0)'" } ?? "missing"); give the program's absolute path"
            )
        }
        var command = argv
        if let runAsUser, getuid() == 0 {
            command = ["/usr/sbin/runuser", "-u", runAsUser, "--"] + argv
        }
        for path in [stdoutPath, stderrPath] where !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw .startFailed(program: program, reason: "cannot create output file \(path)")
            }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_APPEND, 0)
        if let workingDirectory {
            guard let addChdir = Self.addChdir else {
                throw .startFailed(
                    program: program,
                    reason: "this C library has no posix_spawn_file_actions_addchdir_np"
                )
            }
            let code = workingDirectory.withCString { addChdir(&actions, $0) }
            guard code == 0 else {
                throw .startFailed(
                    program: program,
                    reason: "cannot change to \(workingDirectory): \(String(cString: strerror(code)))"
                )
            }
        }

        // A new process group with the child as its leader, no blocked signal and every
        // handler at its default, whatever the calling threads set.
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
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)
        )

        let variables = environment ?? ProcessInfo.processInfo.environment
        let arguments = command.map { strdup($0) } + [nil]
        let environmentStrings = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in environmentStrings { free(pointer) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, command[0], &actions, &attributes, arguments, environmentStrings)
        guard code == 0 else {
            throw .startFailed(program: command[0], reason: "posix_spawn failed: \(String(cString: strerror(code)))")
        }
        self.pid = pid
        self.argv = command
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    private typealias AddChdir =
        @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
        ) -> Int32

    /// glibc's `posix_spawn_file_actions_addchdir_np` (glibc 2.29 and later), looked up at run
    /// time because the Glibc module does not import it.
    private static let addChdir: AddChdir? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    /// Reaps the process if it has exited. With `blocking`, waits for it first.
    private func reap(blocking: Bool) -> Int32? {
        status.withLock { status in
            if let status { return status }
            var value: Int32 = 0
            while true {
                let result = waitpid(pid, &value, blocking ? 0 : WNOHANG)
                if result == pid {
                    status = value
                    return value
                }
                if result == -1 && errno == EINTR { continue }
                return nil
            }
        }
    }

    public var isRunning: Bool { reap(blocking: false) == nil }

    /// The exit code, or 128 plus the signal number when a signal ended it; nil while running.
    public var exitCode: Int32? {
        guard let value = reap(blocking: false) else { return nil }
        return value & 0x7f == 0 ? (value >> 8) & 0xff : 128 + (value & 0x7f)
    }

    /// Waits up to `timeout` for the process to exit and returns whether it did.
    @discardableResult
    public func waitForExit(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// Sends `signal` (SIGTERM unless given) to the whole process group, then SIGKILL to the
    /// group once `grace` has passed, reaps the leader and waits until no member is left.
    /// Calling it again does nothing.
    public func terminate(grace: Duration = .seconds(5), signal: Int32 = SIGTERM) {
        if isRunning {
            kill(-pid, signal)
            if !waitForExit(timeout: grace) {
                kill(-pid, SIGKILL)
                _ = reap(blocking: true)
            }
        }
        // Members that outlived the leader or ignored the first signal end here too. They die
        // a moment after the signal, so this waits (at most 2 s) until the group is empty.
        // The group is signalled only while it has members, so a reused ID is never hit.
        guard !groupMembers().isEmpty else { return }
        kill(-pid, SIGKILL)
        _ = Loopback.poll(timeout: .seconds(2)) { groupMembers().isEmpty }
    }

    /// Returns the IDs of the live processes in this process's group, read from `/proc/<pid>/stat`
    /// (Linux). Empty once the group is gone, which is how callers check a clean stop.
    public func groupMembers() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let member = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After "pid (comm)" come state, ppid and pgrp; comm may contain spaces and ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", Int32(fields[2]) == pid else { return nil }
            return member
        }
    }

    /// Reads the standard error output so far.
    public func stderr() -> String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    /// Returns the last `count` characters of the standard error output, for error messages.
    public func stderrTail(_ count: Int = 2000) -> String {
        String(stderr().suffix(count))
    }
}
