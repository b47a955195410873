import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM and SIGINT as an async sequence, so the loop can finish its cycle on the first
/// signal and the process can exit at once on the second.
///
/// A signal handler may only call async-signal-safe functions, so the handler writes the
/// signal number to a pipe and a dedicated thread reads the pipe and yields each number.
/// One instance may exist per process at a time, because the handler reaches the pipe
/// through a global.
public final class ShutdownSignals: Sendable {
    public let signals: AsyncStream<Int32>
    private let numbers: [Int32]
    private let pipe: (read: Int32, write: Int32)

    public init(_ numbers: [Int32] = [SIGTERM, SIGINT]) {
        var descriptors: [Int32] = [0, 0]
        precondition(Glibc.pipe(&descriptors) == 0, "pipe() failed: \(String(cString: strerror(errno)))")
        pipe = (descriptors[0], descriptors[1])
        self.numbers = numbers

        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        signals = stream
        signalPipeWriter.store(pipe.write, ordering: .sequentiallyConsistent)

        let readEnd = pipe.read
        let watched = numbers
        let thread = Thread {
            // Threads of a test runner may block signals; this thread accepts the watched
            // ones, so a process-directed signal always has a thread that takes it.
            var mask = sigset_t()
            sigemptyset(&mask)
            for number in watched { sigaddset(&mask, number) }
            pthread_sigmask(SIG_UNBLOCK, &mask, nil)

            var byte: UInt8 = 0
            while Glibc.read(readEnd, &byte, 1) == 1 {
                continuation.yield(Int32(byte))
            }
            continuation.finish()
        }
        thread.name = "headroom.signals"
        thread.start()

        for number in numbers {
            signal(number, forwardSignal)
        }
    }

    /// Restores the default action of every watched signal and ends the sequence.
    public func cancel() {
        for number in numbers {
            signal(number, SIG_DFL)
        }
        signalPipeWriter.store(-1, ordering: .sequentiallyConsistent)
        close(pipe.write)  // The reader thread sees end of file and finishes the stream.
    }

    /// The conventional name, such as `SIGTERM`, for log records.
    public static func name(of number: Int32) -> String {
        switch number {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        default: "signal \(number)"
        }
    }
}

/// The write end of the active `ShutdownSignals` pipe, or -1.
private let signalPipeWriter = Atomic<Int32>(-1)

/// The signal handler: writes the signal number as one byte. Only `write` is called, which
/// is async-signal-safe.
private func forwardSignal(_ number: Int32) {
    let descriptor = signalPipeWriter.load(ordering: .relaxed)
    guard descriptor >= 0 else { return }
    var byte = UInt8(truncatingIfNeeded: number)
    _ = Glibc.write(descriptor, &byte, 1)
}
