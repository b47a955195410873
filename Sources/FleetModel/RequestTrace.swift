/// Requests per minute from a recorded trace, one value per consecutive minute.
///
/// Counts are `Double` because a minute filled by interpolation can hold a fraction. Read one
/// with `parseWorldCup98(_:source:)` or `parseAzure(_:source:)` (or their `load` variants),
/// narrow it with `window`, and turn it into requests per second with `load(scaledBy:)`.
public struct RequestTrace: Sendable, Equatable {
    /// The longest run of missing minutes the WorldCup98 reader fills, in minutes.
    public static let maximumFilledGap = 10

    /// The first minute's label: its period, or `minute N` for a trace indexed by minute.
    public var startLabel: String { startPeriod.map(String.init(describing:)) ?? "minute \(startMinuteIndex)" }
    /// The first minute's period; nil for a trace that has minute indices only (Azure).
    public var startPeriod: TracePeriod?
    /// The first minute's index in the file it was read from.
    public var startMinuteIndex: Int
    /// Requests in each minute, in order.
    public var requestsPerMinute: [Double]
    /// Indices into `requestsPerMinute` of the minutes filled by interpolation.
    public var filledMinuteIndices: [Int]

    public init(
        startPeriod: TracePeriod?,
        startMinuteIndex: Int = 0,
        requestsPerMinute: [Double],
        filledMinuteIndices: [Int] = []
    ) {
        self.startPeriod = startPeriod
        self.startMinuteIndex = startMinuteIndex
        self.requestsPerMinute = requestsPerMinute
        self.filledMinuteIndices = filledMinuteIndices
    }

    /// Minutes filled by interpolation.
    public var filledMinutes: Int { filledMinuteIndices.count }

    /// The period of the minute at `index`, nil for a trace without periods.
    public func period(at index: Int) -> TracePeriod? {
        startPeriod.map { TracePeriod(minuteNumber: $0.minuteNumber + index) }
    }

    /// The count of the minute with period `period`, nil when outside the trace.
    public func requests(at period: TracePeriod) -> Double? {
        guard let start = startPeriod else { return nil }
        let index = period.minuteNumber - start.minuteNumber
        return requestsPerMinute.indices.contains(index) ? requestsPerMinute[index] : nil
    }

    /// The minutes from `from` up to but not including `to`, so 06:00 to 07:30 is 90 minutes.
    public func window(from: TracePeriod, to: TracePeriod) throws -> RequestTrace {
        guard let start = startPeriod else { throw RequestTraceError.windowNeedsPeriods }
        let lower = from.minuteNumber - start.minuteNumber
        let upper = to.minuteNumber - start.minuteNumber
        guard lower >= 0, upper <= requestsPerMinute.count, lower < upper else {
            let last = TracePeriod(minuteNumber: start.minuteNumber + requestsPerMinute.count)
            throw RequestTraceError.windowOutOfRange(
                requested: "\(from) to \(to)",
                available: "\(start) to \(last) (end excluded)"
            )
        }
        return slice(lower..<upper)
    }

    /// The window between two period labels such as `1998-05-12 06:00:00`, end excluded.
    public func window(from: String, to: String) throws -> RequestTrace {
        guard let lower = TracePeriod(label: from) else {
            throw RequestTraceError.invalidPeriod(source: "window start", line: 0, value: from)
        }
        guard let upper = TracePeriod(label: to) else {
            throw RequestTraceError.invalidPeriod(source: "window end", line: 0, value: to)
        }
        return try window(from: lower, to: upper)
    }

    /// The minutes at `minutes`, counted from this trace's first minute.
    public func window(minutes: Range<Int>) throws -> RequestTrace {
        guard minutes.lowerBound >= 0, minutes.upperBound <= requestsPerMinute.count, !minutes.isEmpty else {
            throw RequestTraceError.windowOutOfRange(
                requested: "minutes \(minutes.lowerBound)..<\(minutes.upperBound)",
                available: "minutes 0..<\(requestsPerMinute.count)"
            )
        }
        return slice(minutes)
    }

    private func slice(_ range: Range<Int>) -> RequestTrace {
        RequestTrace(
            startPeriod: period(at: range.lowerBound),
            startMinuteIndex: startMinuteIndex + range.lowerBound,
            requestsPerMinute: Array(requestsPerMinute[range]),
            filledMinuteIndices: filledMinuteIndices.filter { range.contains($0) }.map { $0 - range.lowerBound }
        )
    }
}
