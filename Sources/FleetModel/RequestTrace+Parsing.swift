import Foundation

extension RequestTrace {
    /// Reads a WorldCup98 file; see `parseWorldCup98(_:source:)` for the format and gap rule.
    public static func loadWorldCup98(path: String) throws -> RequestTrace {
        try parseWorldCup98(readBytes(path: path), source: path)
    }

    /// Reads the Azure Functions file; see `parseAzure(_:source:)`.
    public static func loadAzure(path: String) throws -> RequestTrace {
        try parseAzure(readBytes(path: path), source: path)
    }

    /// Parses WorldCup98 CSV: a `period,count` header, then one row per minute in ascending
    /// period order, such as `1998-05-12 06:40:00,57509`.
    ///
    /// Gap rule: a run of up to `maximumFilledGap` (10) missing minutes is filled by linear
    /// interpolation between the rows on either side. Minute k of a gap from count a (at
    /// minute 0) to count b (at minute n) gets a + (b − a) × k / n. A longer run is rejected
    /// with the missing range, because inventing more than ten minutes would hide real
    /// traffic. `filledMinutes` reports how many minutes were filled. Duplicate or
    /// out-of-order periods, malformed numbers and negative counts are rejected.
    public static func parseWorldCup98(_ text: String, source: String = "WorldCup98 trace") throws -> RequestTrace {
        try parseWorldCup98(Array(text.utf8), source: source)
    }

    /// Parses the Azure Functions file: one line of comma-separated counts, minute 0 first.
    public static func parseAzure(_ text: String, source: String = "Azure trace") throws -> RequestTrace {
        try parseAzure(Array(text.utf8), source: source)
    }

    static func parseWorldCup98(_ bytes: [UInt8], source: String) throws -> RequestTrace {
        var start: TracePeriod?
        var previous: TracePeriod?
        var counts: [Double] = []
        var filled: [Int] = []
        var sawHeader = false

        for (lineNumber, line) in lines(of: bytes) {
            if !sawHeader {
                guard text(line) == "period,count" else {
                    throw RequestTraceError.invalidHeader(source: source, found: text(line))
                }
                sawHeader = true
                continue
            }
            guard let comma = line.firstIndex(of: 0x2C), line[(comma + 1)...].firstIndex(of: 0x2C) == nil else {
                throw RequestTraceError.invalidFieldCount(source: source, line: lineNumber, value: text(line))
            }
            let periodField = line[line.startIndex..<comma]
            guard let period = TracePeriod.parse(periodField) else {
                throw RequestTraceError.invalidPeriod(source: source, line: lineNumber, value: text(periodField))
            }
            let count = try parseCount(line[(comma + 1)...], field: "count", source: source, line: lineNumber)

            if let previous {
                if period == previous {
                    throw RequestTraceError.duplicatePeriod(source: source, line: lineNumber, period: "\(period)")
                }
                if period < previous {
                    throw RequestTraceError.periodOutOfOrder(
                        source: source,
                        line: lineNumber,
                        period: "\(period)",
                        previous: "\(previous)"
                    )
                }
                let missing = period.minuteNumber - previous.minuteNumber - 1
                if missing > maximumFilledGap {
                    throw RequestTraceError.gapTooLong(
                        source: source,
                        line: lineNumber,
                        firstMissing: "\(TracePeriod(minuteNumber: previous.minuteNumber + 1))",
                        lastMissing: "\(TracePeriod(minuteNumber: period.minuteNumber - 1))",
                        minutes: missing
                    )
                }
                if missing > 0 {
                    let before = counts[counts.count - 1]
                    for step in 1...missing {
                        filled.append(counts.count)
                        counts.append(before + (count - before) * Double(step) / Double(missing + 1))
                    }
                }
            } else {
                start = period
            }
            counts.append(count)
            previous = period
        }

        guard !counts.isEmpty else { throw RequestTraceError.empty(source: source) }
        return RequestTrace(startPeriod: start, requestsPerMinute: counts, filledMinuteIndices: filled)
    }

    static func parseAzure(_ bytes: [UInt8], source: String) throws -> RequestTrace {
        let rows = lines(of: bytes)
        guard let (lineNumber, line) = rows.first else { throw RequestTraceError.empty(source: source) }
        if let extra = rows.dropFirst().first {
            throw RequestTraceError.invalidFieldCount(source: source, line: extra.0, value: text(extra.1))
        }
        var counts: [Double] = []
        var fieldStart = line.startIndex
        for index in line.startIndex...line.endIndex where index == line.endIndex || line[index] == 0x2C {
            let field = "minute \(counts.count)"
            counts.append(try parseCount(line[fieldStart..<index], field: field, source: source, line: lineNumber))
            fieldStart = index + 1
        }
        return RequestTrace(startPeriod: nil, requestsPerMinute: counts)
    }

    /// Non-blank lines with their 1-based numbers, a trailing carriage return removed.
    private static func lines(of bytes: [UInt8]) -> [(Int, ArraySlice<UInt8>)] {
        var result: [(Int, ArraySlice<UInt8>)] = []
        var lineStart = 0
        var lineNumber = 1
        for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x0A {
            var end = index
            if end > lineStart && bytes[end - 1] == 0x0D { end -= 1 }
            if end > lineStart { result.append((lineNumber, bytes[lineStart..<end])) }
            lineStart = index + 1
            lineNumber += 1
        }
        return result
    }

    private static func parseCount(
        _ field: ArraySlice<UInt8>,
        field name: String,
        source: String,
        line: Int
    ) throws -> Double {
        let trimmed = trimSpaces(field)
        let negative = trimmed.first == 0x2D
        let digits = negative ? trimmed.dropFirst() : trimmed
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw RequestTraceError.invalidCount(source: source, line: line, field: name, value: text(field))
        }
        if negative {
            throw RequestTraceError.negativeCount(source: source, line: line, field: name, value: text(field))
        }
        var value = 0
        for byte in digits { value = value * 10 + Int(byte - 0x30) }
        return Double(value)
    }

    private static func trimSpaces(_ field: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var result = field
        while let first = result.first, first == 0x20 || first == 0x09 { result = result.dropFirst() }
        while let last = result.last, last == 0x20 || last == 0x09 { result = result.dropLast() }
        return result
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func readBytes(path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw RequestTraceError.unreadableFile(
                path: path,
                reason: exists ? "the file cannot be opened" : "no such file"
            )
        }
        return [UInt8](data)
    }
}
