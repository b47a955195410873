import Foundation

/// One structured log record: a fixed message and lowerCamelCase metadata keys.
public struct LogRecord: Sendable, Equatable {
    public var time: Date
    public var level: LogLevel
    public var message: String
    public var metadata: [String: LogValue]

    public init(time: Date, level: LogLevel, message: String, metadata: [String: LogValue]) {
        self.time = time
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}

extension LogRecord {
    /// Renders the record as one line without the trailing newline.
    ///
    /// JSON lines start with the keys `time`, `level` and `msg`, then the metadata keys in
    /// sorted order. Text lines read `<time> <LEVEL> <msg> key=value ...`, quoting values
    /// that contain spaces, quotes or `=`.
    public func formatted(as format: LogFormat) -> String {
        let timestamp = LogRecord.timestamp(time)
        let keys = metadata.keys.sorted()
        switch format {
        case .json:
            var fields = [
                "\"time\":\(JSONText.quote(timestamp))",
                "\"level\":\(JSONText.quote(level.description))",
                "\"msg\":\(JSONText.quote(message))",
            ]
            for key in keys {
                fields.append("\(JSONText.quote(key)):\(JSONText.value(metadata[key]!))")
            }
            return "{" + fields.joined(separator: ",") + "}"
        case .text:
            var line = "\(timestamp) \(level.description.uppercased()) \(message)"
            for key in keys {
                line += " \(key)=\(LogRecord.textValue(metadata[key]!.description))"
            }
            return line
        }
    }

    private static func textValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
        return needsQuotes ? JSONText.quote(value) : value
    }

    /// RFC 3339 in UTC with milliseconds, such as `2026-12-04T10:00:00.123Z`.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
