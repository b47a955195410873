/// An error reading, windowing or scaling a trace. Its description names the line, field and
/// value involved and what to change.
public enum RequestTraceError: Error, Equatable, CustomStringConvertible {
    case unreadableFile(path: String, reason: String)
    case empty(source: String)
    case invalidHeader(source: String, found: String)
    case invalidFieldCount(source: String, line: Int, value: String)
    case invalidPeriod(source: String, line: Int, value: String)
    case invalidCount(source: String, line: Int, field: String, value: String)
    case negativeCount(source: String, line: Int, field: String, value: String)
    case duplicatePeriod(source: String, line: Int, period: String)
    case periodOutOfOrder(source: String, line: Int, period: String, previous: String)
    case gapTooLong(source: String, line: Int, firstMissing: String, lastMissing: String, minutes: Int)
    case windowOutOfRange(requested: String, available: String)
    case windowNeedsPeriods
    case invalidScaling(value: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot read trace file \(path): \(reason); check the path and its permissions"
        case .empty(let source):
            return "trace \(source) has no rows; give a file with at least one minute of counts"
        case .invalidHeader(let source, let found):
            return "\(source) line 1: invalid header \"\(found)\"; expected \"period,count\""
        case .invalidFieldCount(let source, let line, let value):
            return "\(source) line \(line): invalid row \"\(value)\"; expected two fields, period and count, "
                + "such as \"1998-05-12 06:40:00,57509\""
        case .invalidPeriod(let source, let line, let value):
            return "\(source) line \(line): invalid period \"\(value)\"; expected a valid date and time as "
                + "YYYY-MM-DD HH:MM:00, such as 1998-05-12 06:40:00"
        case .invalidCount(let source, let line, let field, let value):
            return "\(source) line \(line): invalid \(field) \"\(value)\"; expected a whole number of requests "
                + "such as 1250"
        case .negativeCount(let source, let line, let field, let value):
            return "\(source) line \(line): \(field) \(value) is negative; a request count must be 0 or more"
        case .duplicatePeriod(let source, let line, let period):
            return "\(source) line \(line): period \(period) appears twice; keep one row per minute"
        case .periodOutOfOrder(let source, let line, let period, let previous):
            return "\(source) line \(line): period \(period) comes after \(previous); sort the rows by period"
        case .gapTooLong(let source, let line, let firstMissing, let lastMissing, let minutes):
            return "\(source) line \(line): \(minutes) minutes missing, \(firstMissing) to \(lastMissing); "
                + "gaps of at most \(RequestTrace.maximumFilledGap) minutes are filled, so add the missing rows "
                + "or choose a window that avoids them"
        case .windowOutOfRange(let requested, let available):
            return "trace window \(requested) is outside the trace, which covers \(available); "
                + "choose a window inside it"
        case .windowNeedsPeriods:
            return "this trace has minute indices, not periods; select its window by minute indices"
        case .invalidScaling(let value, let reason):
            return "invalid trace scaling \(value): \(reason)"
        }
    }
}
