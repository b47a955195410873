import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process run with a hard deadline, for exec credential plugins.
///
/// The child starts in its own process group with an empty signal mask and default signal
/// dispositions, so it does not inherit a mask that blocks signals from the thread that starts
/// it. At the deadline the whole group gets SIGKILL, which also ends children of the plugin,
/// and reading stops even when a process outside the group keeps the pipes open.
/// Everything runs on a dedicated thread, off Swift's cooperative pool.
struct PluginProcess: Sendable {
    /// The collected output of a run.
    struct Outcome {
        var output: Data
        var errors: Data
        var termination: Termination
    }

    /// The way a run ended.
    enum Termination: Equatable {
        /// The process exited with this status.
        case exited(Int32)
        /// A signal with this number ended the process.
        case signaled(Int32)
        /// The deadline passed (or the task was cancelled) and the process group was killed.
        case timedOut
    }

    /// A flag that the task's cancellation handler sets and the reading thread polls.
    final class CancellationFlag: Sendable {
        let isSet = Atomic<Bool>(false)
    }

    /// Path of the executable.
    var executable: String
    /// Arguments after the program name.
    var arguments: [String]
    /// The complete environment of the child.
    var environment: [String: String]
    var timeout: Duration

    /// The maximum stdout or stderr kept, in bytes. Output past it is read and dropped.
    static let maxOutputBytes = 1 << 20

    /// Starts the process and waits for it to exit or for `timeout` to pass, whichever is first.
    /// Throws `PluginStartError` when the process cannot start.
    func run() async throws(PluginStartError) -> Outcome {
        let cancelled = CancellationFlag()
        let result: Result<Outcome, PluginStartError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    continuation.resume(returning: runBlocking(cancelled: cancelled))
                }
                thread.name = "exec-plugin"
                thread.start()
            }
        } onCancel: {
            cancelled.isSet.store(true, ordering: .relaxed)
        }
        return try result.get()
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34 and later), looked up at
    /// run time because Swift does not import it from `spawn.h`.
    // NOTE: without it (older glibc, other platforms) the plugin inherits descriptors that
    // other threads opened without O_CLOEXEC.
    private static let addCloseFrom: AddCloseFrom? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
            return unsafeBitCast(symbol, to: AddCloseFrom.self)
        #else
            return nil
        #endif
    }()

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Spawns, reads both pipes until EOF, the deadline or cancellation, and reaps the child.
    private func runBlocking(cancelled: CancellationFlag) -> Result<Outcome, PluginStartError> {
        let deadline = ContinuousClock.now + timeout
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard pipe(&outputPipe) == 0 else { return .failure(PluginStartError(errno: errno, step: "pipe")) }
        guard pipe(&errorPipe) == 0 else {
            let code = errno
            close(outputPipe[0])
            close(outputPipe[1])
            return .failure(PluginStartError(errno: code, step: "pipe"))
        }
        // Another thread may spawn between pipe() and fcntl(), but closefrom in its spawn keeps
        // these descriptors out of its child.
        for descriptor in outputPipe + errorPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var spawned = spawn(stdout: outputPipe[1], stderr: errorPipe[1])
        // A script that this process wrote just now can still be open for writing in a child
        // that another thread is spawning, and exec fails with ETXTBSY until that child closes
        // its descriptors. Retry briefly.
        var attempts = 1
        while case .failure(let error) = spawned, error.errno == ETXTBSY, attempts < 10 {
            usleep(20_000)
            attempts += 1
            spawned = spawn(stdout: outputPipe[1], stderr: errorPipe[1])
        }
        close(outputPipe[1])
        close(errorPipe[1])
        guard case .success(let pid) = spawned else {
            close(outputPipe[0])
            close(errorPipe[0])
            if case .failure(let error) = spawned { return .failure(error) }
            return .failure(PluginStartError(errno: 0, step: "posix_spawn"))
        }

        var output = Data()
        var errors = Data()
        let finishedReading = readUntilEOF(
            outputFD: outputPipe[0],
            errorFD: errorPipe[0],
            output: &output,
            errors: &errors,
            deadline: deadline,
            cancelled: cancelled
        )
        close(outputPipe[0])
        close(errorPipe[0])

        var termination = Termination.timedOut
        if finishedReading {
            termination = waitForExit(pid: pid, deadline: deadline, cancelled: cancelled)
        }
        if termination == .timedOut {
            // A negative pid signals the whole process group that the child leads.
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        return .success(Outcome(output: output, errors: errors, termination: termination))
    }

    private func spawn(stdout: Int32, stderr: Int32) -> Result<pid_t, PluginStartError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Descriptors that other threads open without O_CLOEXEC must not leak into the plugin:
        // an inherited pipe end would keep another plugin's output open, and an inherited
        // write descriptor of a script makes running that script fail with ETXTBSY.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

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
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { return .failure(PluginStartError(errno: code, step: "posix_spawn")) }
        return .success(pid)
    }

    /// Reads both descriptors until both reach EOF (returns true) or until the deadline or
    /// cancellation (returns false).
    private func readUntilEOF(
        outputFD: Int32,
        errorFD: Int32,
        output: inout Data,
        errors: inout Data,
        deadline: ContinuousClock.Instant,
        cancelled: CancellationFlag
    ) -> Bool {
        var open = [outputFD: true, errorFD: true]
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while open.values.contains(true) {
            guard let wait = Self.pollMilliseconds(until: deadline), !cancelled.isSet.load(ordering: .relaxed) else {
                return false
            }
            var descriptors = open.filter(\.value).map { pollfd(fd: $0.key, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), wait)
            if ready < 0 && errno != EINTR { return false }
            for descriptor in descriptors where descriptor.revents != 0 {
                let count = read(descriptor.fd, &buffer, buffer.count)
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard count > 0 else {
                    open[descriptor.fd] = false
                    continue
                }
                if descriptor.fd == outputFD {
                    if output.count < Self.maxOutputBytes { output.append(contentsOf: buffer[0..<count]) }
                } else if errors.count < Self.maxOutputBytes {
                    errors.append(contentsOf: buffer[0..<count])
                }
            }
        }
        return true
    }

    /// Waits for the child to exit after it closed its pipes, until the deadline or cancellation.
    private func waitForExit(
        pid: pid_t,
        deadline: ContinuousClock.Instant,
        cancelled: CancellationFlag
    ) -> Termination {
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                // WIFEXITED and WEXITSTATUS are macros that Swift does not import: the low 7
                // bits contain the ending signal (0 for a normal exit), the next 8 the exit status.
                let signal = status & 0x7f
                return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
            }
            guard Self.pollMilliseconds(until: deadline) != nil, !cancelled.isSet.load(ordering: .relaxed) else {
                return .timedOut
            }
            usleep(5_000)
        }
    }

    /// Computes the poll timeout until `deadline` in milliseconds, at most 100 so that the
    /// reading thread notices cancellation soon. Returns `nil` once the deadline has passed.
    private static func pollMilliseconds(until deadline: ContinuousClock.Instant) -> Int32? {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return nil }
        let milliseconds =
            remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
        return Int32(max(1, min(100, milliseconds)))
    }
}

/// A failure to start a plugin process: the C call and its errno.
struct PluginStartError: Error {
    var errno: Int32
    var step: String

    var description: String {
        "\(step) failed: \(String(cString: strerror(errno)))"
    }
}
