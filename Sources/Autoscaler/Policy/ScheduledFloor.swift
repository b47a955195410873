import Foundation

/// A replica floor for a known event, such as a flash sale at 12:00 in a given time zone.
///
/// A floor is either one-off (a start and an end date) or daily (a start and an end time of
/// day, on some days of the week). It applies from its start minus `leadSeconds` until its
/// end, end excluded, so that pods started for it are warm when the event begins.
///
/// Local times are read in `timeZone` with its daylight-saving rules: a daily 12:00 floor in
/// Europe/Berlin starts at 10:00 UTC in summer and 11:00 UTC in winter. A local time the
/// clock skips or repeats resolves by one rule, `instant(of:in:)`: the first instant at which
/// the wall clock reads that time or later. A skipped time (spring forward) therefore starts
/// when the clock jumps over it, and a repeated time (fall back) at its first occurrence.
///
/// Every method takes `now` as a parameter and reads no clock, so the engine stays pure.
public struct ScheduledFloor: Sendable, Equatable, Codable {
    /// The schedule's name, unique within the target. `activeFloor` returns it so that a decision
    /// can name the schedule behind its floor.
    public var name: String
    /// The floor while the schedule applies; `maxReplicas` and the database budget still cap it.
    public var replicas: Int
    /// Seconds before the start at which the floor already applies, so pods are warm in time.
    public var leadSeconds: Int
    /// The zone whose wall clock `timing` is written in.
    public var timeZone: TimeZone
    public var timing: Timing

    public init(name: String, replicas: Int, leadSeconds: Int = 0, timeZone: TimeZone = .gmt, timing: Timing) {
        self.name = name
        self.replicas = replicas
        self.leadSeconds = leadSeconds
        self.timeZone = timeZone
        self.timing = timing
    }

    /// When a floor applies.
    public enum Timing: Sendable, Equatable, Codable {
        /// Once, from `start` until `end`.
        case once(start: Moment, end: Moment)
        /// Every listed day from `start` until `end`. An `end` at or before `start` falls on the
        /// next day, so 22:00–02:00 crosses midnight and 00:00–00:00 covers a whole day. `days`
        /// are those of the start.
        case daily(start: TimeOfDay, end: TimeOfDay, days: [Weekday])
    }

    /// One period during which the floor applies, lead time not included.
    public struct Occurrence: Sendable, Equatable {
        public var start: Date
        public var end: Date

        /// True when `now` lies in `[start - lead, end)`. An occurrence whose end is not after
        /// its start, such as a daily window inside a skipped hour, never applies, not even
        /// during its lead time.
        func applies(at now: Date, lead: TimeInterval) -> Bool {
            start < end && start.addingTimeInterval(-lead) <= now && now < end
        }
    }

    /// True when the floor applies at `now`: from its start minus the lead time until its end.
    public func isActive(at now: Date) -> Bool {
        occurrence(at: now) != nil
    }

    /// Returns the occurrence whose start minus the lead time is at or before `now` and whose end
    /// is after it, or `nil`. When lead time makes daily occurrences overlap, returns the earliest.
    public func occurrence(at now: Date) -> Occurrence? {
        let lead = TimeInterval(max(leadSeconds, 0))
        switch timing {
        case .once(let start, let end):
            let occurrence = Occurrence(start: start.instant(in: timeZone), end: end.instant(in: timeZone))
            return occurrence.applies(at: now, lead: lead) ? occurrence : nil
        case .daily(let start, let end, let days):
            let localNow = Int((now.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: now))).rounded(.down))
            let today = Self.floorDivide(localNow, Self.secondsPerDay)
            // Yesterday's occurrence may still run past midnight. A later day's occurrence may
            // already be in its lead time, so one more day is checked per full day of lead. Seven
            // more days suffice for any lead, because when an occurrence is in its lead time, the
            // one a week earlier starts sooner and is in its lead time too.
            let lastDay = today + 2 + min(max(leadSeconds, 0) / Self.secondsPerDay, 7)
            for day in (today - 1)...lastDay where days.contains(Weekday(dayNumber: day)) {
                let endDay = end.secondsAfterMidnight <= start.secondsAfterMidnight ? day + 1 : day
                let occurrence = Occurrence(
                    start: Self.instant(of: day * Self.secondsPerDay + start.secondsAfterMidnight, in: timeZone),
                    end: Self.instant(of: endDay * Self.secondsPerDay + end.secondsAfterMidnight, in: timeZone)
                )
                if occurrence.applies(at: now, lead: lead) { return occurrence }
            }
            return nil
        }
    }

    /// True when the floor never applies again at or after `now`: a one-off schedule whose end
    /// is at or before `now`. A daily schedule never expires.
    public func hasExpired(at now: Date) -> Bool {
        switch timing {
        case .once(_, let end): end.instant(in: timeZone) <= now
        case .daily: false
        }
    }

    /// Returns the highest floor among the schedules active at `now` and the names of the
    /// schedules that set it, in policy order, or `nil` when none is active. Expired schedules
    /// are never active, so they are ignored.
    public static func activeFloor(_ schedules: [ScheduledFloor], at now: Date) -> (replicas: Int, names: [String])? {
        let active = schedules.filter { $0.isActive(at: now) }
        guard let highest = active.map(\.replicas).max() else { return nil }
        return (highest, active.filter { $0.replicas == highest }.map(\.name))
    }

    static let secondsPerDay = 86_400

    static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

// MARK: - Local time in a zone

extension ScheduledFloor {
    /// Returns the first instant at which the wall clock of `zone` reads `localSeconds` or later.
    /// `localSeconds` counts wall-clock seconds since 1970-01-01 00:00 as if every day had
    /// 86,400 seconds.
    ///
    /// - A time the clock passes once resolves to that instant.
    /// - A time the clock skips (spring forward, New York 2026-03-08 02:30) resolves to the
    ///   instant of the jump (07:00 UTC, when 02:00 EST becomes 03:00 EDT), because that is when
    ///   the wall clock first shows a later time. A floor written to start in the gap starts
    ///   as soon as the gap ends.
    /// - A time the clock repeats (fall back, Berlin 2026-10-25 02:30) resolves to its first
    ///   occurrence (00:30 UTC, still in CEST).
    public static func instant(of localSeconds: Int, in zone: TimeZone) -> Date {
        // Collect the zone's offsets from two days before to two days after. No zone is more
        // than a day from UTC, so the instant lies in this window. Eight transitions bound the
        // search, an estimate with room to spare: the tz database changes a zone's offset far
        // less often than twice a day.
        let windowStart = Double(localSeconds - 2 * secondsPerDay)
        let windowEnd = Double(localSeconds + 2 * secondsPerDay)
        var spans: [(from: Double, offset: Int)] = []
        var cursor = Date(timeIntervalSince1970: windowStart)
        spans.append((windowStart, zone.secondsFromGMT(for: cursor)))
        for _ in 0..<8 {
            guard let next = zone.nextDaylightSavingTimeTransition(after: cursor),
                next.timeIntervalSince1970 < windowEnd
            else { break }
            spans.append((next.timeIntervalSince1970, zone.secondsFromGMT(for: next)))
            cursor = next
        }

        // Within one span the wall clock runs with the instant, so the first instant of the
        // span whose wall clock reads `localSeconds` or later is the later of the span's start
        // and `localSeconds - offset`. The first span where that lies inside the span wins.
        let local = Double(localSeconds)
        for (index, span) in spans.enumerated() {
            let candidate = max(span.from, local - Double(span.offset))
            let spanEnd = index + 1 < spans.count ? spans[index + 1].from : .infinity
            if candidate < spanEnd { return Date(timeIntervalSince1970: candidate) }
        }
        return Date(timeIntervalSince1970: local - Double(spans[spans.count - 1].offset))
    }

    /// A wall-clock time of day, 00:00:00 to 23:59:59.
    public struct TimeOfDay: Sendable, Hashable, Codable, CustomStringConvertible {
        public var hour: Int
        public var minute: Int
        public var second: Int

        public init(hour: Int, minute: Int, second: Int = 0) {
            self.hour = hour
            self.minute = minute
            self.second = second
        }

        public var secondsAfterMidnight: Int { hour * 3600 + minute * 60 + second }

        /// `HH:MM`, or `HH:MM:SS` when the seconds are not 0.
        public var description: String {
            let text = ScheduledFloor.padded(hour, 2) + ":" + ScheduledFloor.padded(minute, 2)
            return second == 0 ? text : text + ":" + ScheduledFloor.padded(second, 2)
        }
    }

    /// A date and a time of day on the wall clock of the schedule's zone (Gregorian calendar).
    public struct LocalDateTime: Sendable, Hashable, Codable, CustomStringConvertible {
        public var year: Int
        public var month: Int
        public var day: Int
        public var time: TimeOfDay

        /// `nil` when the date does not exist, such as 2026-02-30.
        public init?(year: Int, month: Int, day: Int, time: TimeOfDay) {
            self.year = year
            self.month = month
            self.day = day
            self.time = time
            guard dayNumber != nil else { return nil }
        }

        /// Days since 1970-01-01; `nil` when the date does not exist.
        var dayNumber: Int? {
            let components = DateComponents(year: year, month: month, day: day)
            guard (1...12).contains(month), (1...31).contains(day),
                let date = ScheduledFloor.utcCalendar.date(from: components)
            else { return nil }
            let back = ScheduledFloor.utcCalendar.dateComponents([.year, .month, .day], from: date)
            guard back.year == year, back.month == month, back.day == day else { return nil }
            return ScheduledFloor.floorDivide(Int(date.timeIntervalSince1970), ScheduledFloor.secondsPerDay)
        }

        /// Wall-clock seconds since 1970-01-01 00:00, as `instant(of:in:)` takes them.
        var localSeconds: Int { (dayNumber ?? 0) * ScheduledFloor.secondsPerDay + time.secondsAfterMidnight }

        /// `YYYY-MM-DDTHH:MM[:SS]`.
        public var description: String {
            let date = [ScheduledFloor.padded(year, 4), ScheduledFloor.padded(month, 2), ScheduledFloor.padded(day, 2)]
            return date.joined(separator: "-") + "T" + time.description
        }
    }

    /// The start or end of a one-off schedule.
    public enum Moment: Sendable, Hashable, Codable {
        /// A wall-clock date and time, read in the schedule's zone.
        case local(LocalDateTime)
        /// An instant written with its UTC offset (RFC 3339); the zone does not apply.
        case instant(Date)

        public func instant(in zone: TimeZone) -> Date {
            switch self {
            case .local(let local): ScheduledFloor.instant(of: local.localSeconds, in: zone)
            case .instant(let date): date
            }
        }
    }

    /// A day of the week, written as its three-letter English abbreviation.
    public enum Weekday: String, Sendable, Hashable, Codable, CaseIterable {
        case monday = "Mon"
        case tuesday = "Tue"
        case wednesday = "Wed"
        case thursday = "Thu"
        case friday = "Fri"
        case saturday = "Sat"
        case sunday = "Sun"

        /// Creates the weekday of a day counted from 1970-01-01, which was a Thursday.
        init(dayNumber: Int) {
            let index = ((dayNumber + 3) % 7 + 7) % 7
            self = Self.allCases[index]
        }
    }

    /// Formats `value` in decimal with leading zeros up to `width` digits.
    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(width - digits.count, 0)) + digits
    }

    /// A Gregorian calendar in UTC, for date arithmetic on wall-clock dates.
    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()
}
