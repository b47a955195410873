import Foundation

/// One line of a PostgreSQL server log written with `log_line_prefix = '%m [%p] %a '`.
public struct PostgresLogEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `LOG:  connection received: host=… port=…`, before authentication.
        case connectionReceived
        /// `LOG:  connection authorized: user=… database=… [application_name=…]`.
        case connectionAuthorized(user: String, database: String, applicationName: String?)
        /// `LOG:  disconnection: session time: …`.
        case disconnection
        /// `FATAL:  sorry, too many clients already`, or `FATAL:  remaining connection slots
        /// are reserved …` for a non-superuser when only reserved slots are left.
        case tooManyClients
        case other
    }

    public var timestamp: Date
    public var pid: Int
    /// The `%a` field: empty before the client sent its startup packet, and `[unknown]` until
    /// the session applied its startup parameters, which PostgreSQL 15 does after the
    /// "connection authorized" line and after the reserved-slot refusal. That line's own
    /// `application_name=` is the reliable source.
    public var applicationName: String
    /// The severity, such as `LOG` or `FATAL`.
    public var severity: String
    public var message: String
    public var kind: Kind
}

/// A parser of PostgreSQL logs written with `log_line_prefix = '%m [%p] %a '`, as
/// `PostgresServer` configures them.
public enum PostgresLog {
    static let severities = [
        "LOG", "FATAL", "ERROR", "WARNING", "NOTICE", "INFO", "PANIC", "DEBUG1", "DEBUG2", "DEBUG3",
        "DEBUG4", "DEBUG5", "DETAIL", "HINT", "STATEMENT", "CONTEXT", "QUERY", "LOCATION",
    ]

    /// Parses every line that starts with the prefix and skips the rest (continuation lines of
    /// a multi-line message, output of other programs). Lines keep their order.
    public static func parse(_ text: String) -> [PostgresLogEntry] {
        text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { parseLine(Substring($0)) }
    }

    /// Parses one line such as
    /// `2026-12-05 02:50:01.123 UTC [1234] pod-1 LOG:  connection authorized: user=app database=app`.
    static func parseLine(_ line: Substring) -> PostgresLogEntry? {
        // The timestamp is "YYYY-MM-DD HH:MM:SS.mmm ZONE": three space-separated fields.
        let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, let timestamp = parseTimestamp(date: fields[0], time: fields[1], zone: fields[2])
        else { return nil }
        let rest = fields[3]
        guard rest.hasPrefix("["), let close = rest.firstIndex(of: "]"),
            let pid = Int(rest[rest.index(after: rest.startIndex)..<close])
        else { return nil }
        // After "] " come the application name, one space, and "SEVERITY:  message". An empty
        // application name leaves the marker right at the start.
        var body = rest[rest.index(after: close)...]
        guard body.hasPrefix(" ") else { return nil }
        body = body.dropFirst()
        guard let (severity, markerRange) = findSeverity(in: body) else { return nil }
        var applicationName = body[..<markerRange.lowerBound]
        if applicationName.hasSuffix(" ") { applicationName = applicationName.dropLast() }
        let message = String(body[markerRange.upperBound...])
        return PostgresLogEntry(
            timestamp: timestamp,
            pid: pid,
            applicationName: String(applicationName),
            severity: severity,
            message: message,
            kind: classify(severity: severity, message: message)
        )
    }

    /// Finds the first "SEVERITY:  " that starts the body or follows a space.
    private static func findSeverity(in body: Substring) -> (String, Range<Substring.Index>)? {
        var best: (String, Range<Substring.Index>)?
        for severity in severities {
            var searchStart = body.startIndex
            while let range = body.range(of: severity + ":  ", range: searchStart..<body.endIndex) {
                let atBoundary =
                    range.lowerBound == body.startIndex || body[body.index(before: range.lowerBound)] == " "
                if atBoundary {
                    if best == nil || range.lowerBound < best!.1.lowerBound { best = (severity, range) }
                    break
                }
                searchStart = body.index(after: range.lowerBound)
            }
        }
        return best
    }

    private static func classify(severity: String, message: String) -> PostgresLogEntry.Kind {
        switch severity {
        case "LOG":
            if message.hasPrefix("connection received:") { return .connectionReceived }
            if message.hasPrefix("disconnection:") { return .disconnection }
            if message.hasPrefix("connection authorized:") { return parseAuthorized(message) }
        case "FATAL":
            if message.hasPrefix("sorry, too many clients already")
                || message.hasPrefix("remaining connection slots are reserved")
            {
                return .tooManyClients
            }
        default:
            break
        }
        return .other
    }

    /// Reads `user=U database=D application_name=A`. PostgreSQL writes the values unquoted, and
    /// `application_name` comes last, so it runs to the end of the line and may contain spaces.
    private static func parseAuthorized(_ message: String) -> PostgresLogEntry.Kind {
        let text = message.dropFirst("connection authorized:".count)
        var applicationName: String?
        var head = text
        if let range = text.range(of: " application_name=") {
            applicationName = String(text[range.upperBound...])
            head = text[..<range.lowerBound]
        }
        var user = ""
        var database = ""
        for token in head.split(separator: " ") {
            if token.hasPrefix("user=") { user = String(token.dropFirst(5)) }
            if token.hasPrefix("database=") { database = String(token.dropFirst(9)) }
        }
        return .connectionAuthorized(user: user, database: database, applicationName: applicationName)
    }

    /// Parses `2026-12-05`, `02:50:01.123` and a zone abbreviation (`UTC`, `GMT` or one that
    /// Foundation's `TimeZone(abbreviation:)` accepts) into a `Date` with millisecond precision.
    static func parseTimestamp(date: Substring, time: Substring, zone: Substring) -> Date? {
        let dateParts = date.split(separator: "-")
        let timeParts = time.split(separator: ":")
        guard dateParts.count == 3, timeParts.count == 3,
            let year = Int(dateParts[0]), let month = Int(dateParts[1]), let day = Int(dateParts[2]),
            let hour = Int(timeParts[0]), let minute = Int(timeParts[1])
        else { return nil }
        let secondParts = timeParts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard let second = Int(secondParts[0]), (1...12).contains(month), (1...31).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        var milliseconds = 0
        if secondParts.count == 2 {
            guard secondParts[1].count == 3, let value = Int(secondParts[1]) else { return nil }
            milliseconds = value
        }
        let timeZone: TimeZone?
        switch zone {
        case "UTC", "GMT": timeZone = TimeZone(identifier: "UTC")
        default: timeZone = TimeZone(abbreviation: String(zone))
        }
        guard let timeZone else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let whole = calendar.date(from: components) else { return nil }
        return whole.addingTimeInterval(Double(milliseconds) / 1000)
    }
}
