/// One minute of a per-minute trace, labelled `YYYY-MM-DD HH:MM:SS` as the WorldCup98 file does.
///
/// The label carries no time zone, so it is read as a plain calendar label: two periods compare
/// by their minute numbers, and no zone or daylight-saving rule is ever applied.
public struct TracePeriod: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Minutes since 0001-01-01 00:00 in the proleptic Gregorian calendar.
    public let minuteNumber: Int

    public init(minuteNumber: Int) {
        self.minuteNumber = minuteNumber
    }

    /// Parses a label such as `1998-05-12 06:40:00`; nil when the text is not a valid date and
    /// time in that exact layout or its seconds are not `00`.
    public init?(label: String) {
        guard let period = Self.parse(Array(label.utf8)[...]) else { return nil }
        self = period
    }

    /// The label in the trace's layout.
    public var description: String {
        let day = minuteNumber >= 0 ? minuteNumber / 1440 : (minuteNumber - 1439) / 1440
        let minuteOfDay = minuteNumber - day * 1440
        let (year, month, dayOfMonth) = Self.civilDate(dayNumber: day)
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(dayOfMonth, 2)) "
            + "\(Self.pad(minuteOfDay / 60, 2)):\(Self.pad(minuteOfDay % 60, 2)):00"
    }

    public static func < (left: TracePeriod, right: TracePeriod) -> Bool {
        left.minuteNumber < right.minuteNumber
    }

    /// Parses the 19 bytes `YYYY-MM-DD HH:MM:SS`.
    static func parse(_ bytes: ArraySlice<UInt8>) -> TracePeriod? {
        guard bytes.count == 19 else { return nil }
        let base = bytes.startIndex
        let separators: [(Int, UInt8)] = [(4, 0x2D), (7, 0x2D), (10, 0x20), (13, 0x3A), (16, 0x3A)]
        for (offset, byte) in separators where bytes[base + offset] != byte { return nil }

        func number(_ offset: Int, _ length: Int) -> Int? {
            var value = 0
            for index in (base + offset)..<(base + offset + length) {
                let byte = bytes[index]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }

        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second == 0
        else { return nil }
        return TracePeriod(minuteNumber: dayNumber(year: year, month: month, day: day) * 1440 + hour * 60 + minute)
    }

    static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysIn(month: Int, year: Int) -> Int {
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return month == 2 && isLeap(year) ? 29 : lengths[month - 1]
    }

    /// Days from 0001-01-01 to the given date (year 1 or later).
    static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let previousYears = year - 1
        var days = previousYears * 365 + previousYears / 4 - previousYears / 100 + previousYears / 400
        for earlierMonth in 1..<month { days += daysIn(month: earlierMonth, year: year) }
        return days + day - 1
    }

    /// The inverse of `dayNumber(year:month:day:)`.
    static func civilDate(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        // 146,097 days make 400 Gregorian years; the estimate is off by at most one year, so the
        // two loops below run at most twice each.
        var year = max(1, dayNumber * 400 / 146_097 + 1)
        while year > 1 && Self.dayNumber(year: year, month: 1, day: 1) > dayNumber { year -= 1 }
        while Self.dayNumber(year: year + 1, month: 1, day: 1) <= dayNumber { year += 1 }
        var remaining = dayNumber - Self.dayNumber(year: year, month: 1, day: 1)
        var month = 1
        while month < 12 && remaining >= daysIn(month: month, year: year) {
            remaining -= daysIn(month: month, year: year)
            month += 1
        }
        return (year, month, remaining + 1)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
