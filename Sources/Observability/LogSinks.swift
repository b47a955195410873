import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes each record as one line to a file descriptor (standard error by default).
/// A lock keeps lines from interleaving when tasks log at once.
public final class StreamLogSink: LogSink {
    private let format: LogFormat
    private let descriptor: Int32
    private let lock = Mutex(())

    public init(format: LogFormat, descriptor: Int32 = STDERR_FILENO) {
        self.format = format
        self.descriptor = descriptor
    }

    public func write(_ record: LogRecord) {
        let line = Array((record.formatted(as: format) + "\n").utf8)
        lock.withLock { _ in
            line.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}

/// Keeps records in memory, for tests that assert on what was logged.
public final class InMemoryLogSink: LogSink {
    private let storage = Mutex<[LogRecord]>([])

    public init() {}

    public func write(_ record: LogRecord) {
        storage.withLock { $0.append(record) }
    }

    public var records: [LogRecord] {
        storage.withLock { $0 }
    }
}
