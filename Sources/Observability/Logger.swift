import Foundation

/// Receives formatted log records. Conformers are called from many tasks at once.
public protocol LogSink: Sendable {
    func write(_ record: LogRecord)
}

/// A structured logger: a minimum level, a sink and metadata added to every record.
///
/// Levels follow one rule: `info` for lifecycle and one record per scaling action, `debug`
/// for every proposal and hold, `warning` and `error` only for what an operator must act on.
public struct Logger: Sendable {
    public let level: LogLevel
    public let sink: any LogSink
    public let metadata: [String: LogValue]
    private let now: @Sendable () -> Date

    public init(
        level: LogLevel,
        sink: any LogSink,
        metadata: [String: LogValue] = [:],
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.level = level
        self.sink = sink
        self.metadata = metadata
        self.now = now
    }

    /// Returns a logger that adds `extra` to every record. Keys in `extra` win over existing ones.
    public func with(_ extra: [String: LogValue]) -> Logger {
        Logger(level: level, sink: sink, metadata: metadata.merging(extra) { $1 }, now: now)
    }

    public func log(_ level: LogLevel, _ message: String, _ extra: [String: LogValue] = [:]) {
        guard level >= self.level else { return }
        // Error texts quote URLs, headers and bodies, so every string is scrubbed of credentials.
        let fields = metadata.merging(extra) { $1 }.mapValues { value in
            guard case .string(let text) = value else { return value }
            return .string(Redaction.redact(text))
        }
        let record = LogRecord(time: now(), level: level, message: Redaction.redact(message), metadata: fields)
        sink.write(record)
    }

    public func debug(_ message: String, _ extra: [String: LogValue] = [:]) { log(.debug, message, extra) }
    public func info(_ message: String, _ extra: [String: LogValue] = [:]) { log(.info, message, extra) }
    public func warning(_ message: String, _ extra: [String: LogValue] = [:]) { log(.warning, message, extra) }
    public func error(_ message: String, _ extra: [String: LogValue] = [:]) { log(.error, message, extra) }
}
