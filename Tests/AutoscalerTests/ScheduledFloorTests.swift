import Foundation
import Testing
import YAML

@testable import Autoscaler

/// Scheduled floors against instants worked out by hand from the zones' rules:
/// Europe/Berlin is UTC+1 (CET) and UTC+2 (CEST) from the last Sunday of March to the last
/// Sunday of October, switching at 01:00 UTC (2026-03-29 and 2026-10-25). America/New_York is
/// UTC−5 (EST) and UTC−4 (EDT) from the second Sunday of March, 2026-03-08, at 02:00 local
/// (07:00 UTC). 2026-10-23 is a Friday.
struct ScheduledFloorTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    /// Parses an instant written in RFC 3339 with Foundation's own ISO 8601 parser.
    static func utc(_ text: String) throws -> Date {
        try Date(text, strategy: .iso8601)
    }

    static func local(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int) throws
        -> ScheduledFloor.Moment
    {
        let time = ScheduledFloor.TimeOfDay(hour: hour, minute: minute)
        return .local(try #require(ScheduledFloor.LocalDateTime(year: year, month: month, day: day, time: time)))
    }

    static func daily(
        _ start: (Int, Int),
        _ end: (Int, Int),
        name: String = "daily",
        replicas: Int = 5,
        days: [ScheduledFloor.Weekday] = ScheduledFloor.Weekday.allCases,
        lead: Int = 0,
        zone: TimeZone = .gmt
    ) -> ScheduledFloor {
        let timing = ScheduledFloor.Timing.daily(
            start: .init(hour: start.0, minute: start.1),
            end: .init(hour: end.0, minute: end.1),
            days: days
        )
        return ScheduledFloor(name: name, replicas: replicas, leadSeconds: lead, timeZone: zone, timing: timing)
    }

    static func once(_ name: String, replicas: Int, _ start: String, _ end: String) throws -> ScheduledFloor {
        let timing = ScheduledFloor.Timing.once(start: .instant(try utc(start)), end: .instant(try utc(end)))
        return ScheduledFloor(name: name, replicas: replicas, timing: timing)
    }

    // MARK: Daylight saving

    /// Daily 12:00–13:00 Berlin: 10:00–11:00 UTC in CEST (Saturday 2026-10-24), 11:00–12:00 UTC
    /// in CET (Sunday 2026-10-25, after the clocks went back).
    @Test func dailyNoonAcrossFallBack() throws {
        let floor = Self.daily((12, 0), (13, 0), zone: Self.berlin)
        #expect(floor.isActive(at: try Self.utc("2026-10-24T10:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-24T11:00:00Z")))
        #expect(floor.isActive(at: try Self.utc("2026-10-25T11:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-25T10:30:00Z")))
        #expect(floor.isActive(at: try Self.utc("2026-10-25T11:59:59Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-25T12:00:00Z")))
        let occurrence = try #require(floor.occurrence(at: try Self.utc("2026-10-25T11:30:00Z")))
        #expect(occurrence.start == (try Self.utc("2026-10-25T11:00:00Z")))
        #expect(occurrence.end == (try Self.utc("2026-10-25T12:00:00Z")))
    }

    /// The same floor across spring forward: 11:00 UTC on Saturday 2026-03-28 (CET), 10:00 UTC
    /// on Sunday 2026-03-29 (CEST).
    @Test func dailyNoonAcrossSpringForward() throws {
        let floor = Self.daily((12, 0), (13, 0), zone: Self.berlin)
        let saturday = try #require(floor.occurrence(at: try Self.utc("2026-03-28T11:00:00Z")))
        #expect(saturday.start == (try Self.utc("2026-03-28T11:00:00Z")))
        let sunday = try #require(floor.occurrence(at: try Self.utc("2026-03-29T10:00:00Z")))
        #expect(sunday.start == (try Self.utc("2026-03-29T10:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-03-29T11:00:00Z")))
    }

    /// One-off 01:30–04:00 Berlin on 2026-10-25: 01:30 CEST is 23:30 UTC the day before, 04:00
    /// CET is 03:00 UTC, so 2.5 hours on the wall clock last 3.5 hours (12,600 s).
    @Test func oneOffAcrossFallBack() throws {
        let floor = ScheduledFloor(
            name: "night-batch",
            replicas: 4,
            timeZone: Self.berlin,
            timing: .once(start: try Self.local(2026, 10, 25, 1, 30), end: try Self.local(2026, 10, 25, 4, 0))
        )
        let occurrence = try #require(floor.occurrence(at: try Self.utc("2026-10-25T00:00:00Z")))
        #expect(occurrence.start == (try Self.utc("2026-10-24T23:30:00Z")))
        #expect(occurrence.end == (try Self.utc("2026-10-25T03:00:00Z")))
        #expect(occurrence.end.timeIntervalSince(occurrence.start) == 12_600)
        #expect(!floor.isActive(at: try Self.utc("2026-10-24T23:29:59Z")))
        #expect(floor.isActive(at: try Self.utc("2026-10-25T02:59:59Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-25T03:00:00Z")))
    }

    /// 02:30 on 2026-10-25 happens twice in Berlin, at 00:30 UTC (CEST) and 01:30 UTC (CET):
    /// the first is used. 03:00 is read once, at 02:00 UTC (CET), since at 01:00 UTC the clock
    /// shows 02:00 again instead of 03:00.
    @Test func repeatedTimeResolvesToFirst() throws {
        let twoThirty = try #require(
            ScheduledFloor.LocalDateTime(year: 2026, month: 10, day: 25, time: .init(hour: 2, minute: 30))
        )
        let three = try #require(
            ScheduledFloor.LocalDateTime(year: 2026, month: 10, day: 25, time: .init(hour: 3, minute: 0))
        )
        #expect(
            ScheduledFloor.instant(of: twoThirty.localSeconds, in: Self.berlin)
                == (try Self.utc("2026-10-25T00:30:00Z"))
        )
        #expect(
            ScheduledFloor.instant(of: three.localSeconds, in: Self.berlin) == (try Self.utc("2026-10-25T02:00:00Z"))
        )
    }

    /// 02:30 on 2026-03-08 does not exist in New York: at 07:00 UTC 02:00 EST becomes 03:00 EDT.
    /// A floor from 02:30 to 04:00 starts at the jump and ends at 04:00 EDT, 08:00 UTC.
    @Test func startInGapBeginsAtJump() throws {
        let floor = ScheduledFloor(
            name: "early-sale",
            replicas: 6,
            timeZone: Self.newYork,
            timing: .once(start: try Self.local(2026, 3, 8, 2, 30), end: try Self.local(2026, 3, 8, 4, 0))
        )
        #expect(!floor.isActive(at: try Self.utc("2026-03-08T06:59:59Z")))
        #expect(floor.isActive(at: try Self.utc("2026-03-08T07:00:00Z")))
        #expect(floor.isActive(at: try Self.utc("2026-03-08T07:59:59Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-03-08T08:00:00Z")))
        let occurrence = try #require(floor.occurrence(at: try Self.utc("2026-03-08T07:30:00Z")))
        #expect(occurrence.start == (try Self.utc("2026-03-08T07:00:00Z")))
        #expect(occurrence.end == (try Self.utc("2026-03-08T08:00:00Z")))
    }

    /// Daily 02:10–02:50 New York with 10 minutes of lead: on 2026-03-08 both ends resolve to
    /// the jump at 07:00 UTC, so that day has no floor, not even in the lead time before it. The
    /// day before, 02:10 EST is 07:10 UTC and the lead starts at 07:00 UTC.
    @Test func dailyWindowInsideGapSkipped() throws {
        let floor = Self.daily((2, 10), (2, 50), lead: 600, zone: Self.newYork)
        #expect(!floor.isActive(at: try Self.utc("2026-03-08T06:55:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-03-08T07:00:00Z")))
        #expect(floor.isActive(at: try Self.utc("2026-03-07T07:00:00Z")))
        #expect(floor.isActive(at: try Self.utc("2026-03-07T07:49:59Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-03-07T07:50:00Z")))
    }

    /// Samoa skipped 2011-12-30 entirely, going from UTC−10 to UTC+14 at the end of 12-29, that
    /// is at 10:00 UTC on 12-30: any time of the lost day resolves to that instant.
    @Test func skippedDayResolvesToGapEnd() throws {
        let zone = try #require(TimeZone(identifier: "Pacific/Apia"))
        let noon = try #require(
            ScheduledFloor.LocalDateTime(year: 2011, month: 12, day: 30, time: .init(hour: 12, minute: 0))
        )
        #expect(ScheduledFloor.instant(of: noon.localSeconds, in: zone) == (try Self.utc("2011-12-30T10:00:00Z")))
    }

    /// Daily 22:00–06:00 Berlin on the night of the change: 22:00 CEST is 20:00 UTC, 06:00 CET
    /// is 05:00 UTC, so the night lasts 9 hours.
    @Test func nightAcrossFallBack() throws {
        let floor = Self.daily((22, 0), (6, 0), zone: Self.berlin)
        let occurrence = try #require(floor.occurrence(at: try Self.utc("2026-10-25T03:00:00Z")))
        #expect(occurrence.start == (try Self.utc("2026-10-24T20:00:00Z")))
        #expect(occurrence.end == (try Self.utc("2026-10-25T05:00:00Z")))
    }

    // MARK: Lead time, days, midnight

    /// 10 minutes of lead before a 12:00 UTC start: active from 11:50:00.
    @Test func leadTimeStartsFloorEarly() throws {
        let floor = Self.daily((12, 0), (13, 0), lead: 600)
        #expect(!floor.isActive(at: try Self.utc("2026-10-24T11:49:59Z")))
        #expect(floor.isActive(at: try Self.utc("2026-10-24T11:50:00Z")))
        let occurrence = try #require(floor.occurrence(at: try Self.utc("2026-10-24T11:55:00Z")))
        #expect(occurrence.start == (try Self.utc("2026-10-24T12:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-24T13:00:00Z")))
    }

    /// 30 minutes of lead before a 00:10 start reach back into the previous day.
    @Test func leadTimeReachesPreviousDay() throws {
        let floor = Self.daily((0, 10), (1, 0), days: [.saturday], lead: 1800)
        let occurrence = try #require(floor.occurrence(at: try Self.utc("2026-10-23T23:45:00Z")))
        #expect(occurrence.start == (try Self.utc("2026-10-24T00:10:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-23T23:39:59Z")))
    }

    /// 09:00–17:00 UTC on weekdays: Friday and Monday yes, Saturday and Sunday no.
    @Test func daysOfWeekFilter() throws {
        let floor = Self.daily((9, 0), (17, 0), days: [.monday, .tuesday, .wednesday, .thursday, .friday])
        #expect(floor.isActive(at: try Self.utc("2026-10-23T10:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-24T10:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-25T10:00:00Z")))
        #expect(floor.isActive(at: try Self.utc("2026-10-26T10:00:00Z")))
    }

    /// The weekday of a day number agrees with Foundation's Gregorian calendar for two weeks.
    @Test func weekdayMatchesCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        // Calendar weekdays count from Sunday = 1.
        let fromSunday: [ScheduledFloor.Weekday] = [
            .sunday, .monday, .tuesday, .wednesday, .thursday, .friday, .saturday,
        ]
        let first = try Self.utc("2026-10-19T00:00:00Z")
        for offset in 0..<14 {
            let date = first.addingTimeInterval(Double(offset * 86_400))
            let dayNumber = Int(date.timeIntervalSince1970) / 86_400
            #expect(
                ScheduledFloor.Weekday(dayNumber: dayNumber) == fromSunday[calendar.component(.weekday, from: date) - 1]
            )
        }
    }

    /// Friday 22:00–02:00 UTC: the hours after midnight belong to Friday's occurrence, so
    /// Saturday 01:30 is covered and Friday 01:00 (Thursday's night) is not.
    @Test func midnightCrossingBelongsToStartDay() throws {
        let floor = Self.daily((22, 0), (2, 0), days: [.friday])
        #expect(floor.isActive(at: try Self.utc("2026-10-23T23:00:00Z")))
        let occurrence = try #require(floor.occurrence(at: try Self.utc("2026-10-24T01:30:00Z")))
        #expect(occurrence.start == (try Self.utc("2026-10-23T22:00:00Z")))
        #expect(occurrence.end == (try Self.utc("2026-10-24T02:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-24T02:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-24T23:00:00Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-23T01:00:00Z")))
    }

    /// 00:00–00:00 on Saturday covers the whole Saturday.
    @Test func equalStartEndCoversDay() throws {
        let floor = Self.daily((0, 0), (0, 0), days: [.saturday])
        #expect(!floor.isActive(at: try Self.utc("2026-10-23T23:59:59Z")))
        #expect(floor.isActive(at: try Self.utc("2026-10-24T00:00:00Z")))
        #expect(floor.isActive(at: try Self.utc("2026-10-24T23:59:59Z")))
        #expect(!floor.isActive(at: try Self.utc("2026-10-25T00:00:00Z")))
    }

    // MARK: Several schedules

    /// At 12:30 UTC on 2026-10-24: a (5) and b and c (8 each) are active, d (20) starts at
    /// 15:00. The floor is 8, set by b and c.
    @Test func overlappingSchedulesTakeMax() throws {
        let schedules = [
            Self.daily((12, 0), (14, 0), name: "a", replicas: 5),
            try Self.once("b", replicas: 8, "2026-10-24T12:00:00Z", "2026-10-24T13:00:00Z"),
            Self.daily((12, 15), (12, 45), name: "c", replicas: 8),
            Self.daily((15, 0), (16, 0), name: "d", replicas: 20),
        ]
        let floor = try #require(ScheduledFloor.activeFloor(schedules, at: try Self.utc("2026-10-24T12:30:00Z")))
        #expect(floor.replicas == 8)
        #expect(floor.names == ["b", "c"])
        #expect(ScheduledFloor.activeFloor(schedules, at: try Self.utc("2026-10-24T14:30:00Z")) == nil)
    }

    /// A one-off that ended the day before sets no floor; the daily one still does.
    @Test func expiredSchedulesAreIgnored() throws {
        let expired = try Self.once("yesterday", replicas: 50, "2026-10-23T12:00:00Z", "2026-10-23T13:00:00Z")
        let daily = Self.daily((12, 0), (14, 0), name: "lunch", replicas: 5)
        let now = try Self.utc("2026-10-24T12:30:00Z")
        #expect(expired.hasExpired(at: now))
        #expect(!daily.hasExpired(at: now))
        let floor = try #require(ScheduledFloor.activeFloor([expired, daily], at: now))
        #expect(floor.replicas == 5)
        #expect(floor.names == ["lunch"])

        let running = try Self.once("sale", replicas: 8, "2026-10-24T12:00:00Z", "2026-10-24T13:00:00Z")
        #expect(!running.hasExpired(at: now))
        #expect(running.hasExpired(at: try Self.utc("2026-10-24T13:00:00Z")))
    }

    /// A policy contains floors, so they survive JSON as the rest of it does.
    @Test func floorsRoundTripThroughJSON() throws {
        let floors = [
            Self.daily((9, 0), (17, 30), name: "weekdays", days: [.monday, .friday], lead: 300, zone: Self.berlin),
            ScheduledFloor(
                name: "sale",
                replicas: 12,
                timeZone: Self.newYork,
                timing: .once(
                    start: try Self.local(2026, 11, 27, 9, 0),
                    end: .instant(try Self.utc("2026-11-27T20:00:00Z"))
                )
            ),
        ]
        let decoded = try JSONDecoder().decode([ScheduledFloor].self, from: try JSONEncoder().encode(floors))
        #expect(decoded == floors)
    }
}

/// `schedules` read from YAML: values, defaults, and each problem with its path, value and fix.
struct ScheduledFloorLoaderTests {
    struct Read {
        let schedules: [ScheduledFloor]?
        let problems: [String]
    }

    /// Reads the `schedules` key of `yaml` as the target loader would for `targets[0]`.
    static func read(_ yaml: String) throws -> Read {
        var reader = PolicyReader(file: "p.yaml")
        let root = try #require(try YAMLParser.parse(yaml))
        let schedules = reader.readSchedules(root["schedules"], path: "targets[0].schedules")
        return Read(schedules: schedules, problems: reader.problems.map(\.description))
    }

    @Test func readsAllScheduleForms() throws {
        let read = try Self.read(
            """
            schedules:
              - name: flash-sale
                start: 2026-11-27T12:00
                end: 2026-11-27T14:00:30
                replicas: 20
                leadTime: 10m
                timeZone: Europe/Berlin
              - name: lunch
                start: 11:30
                end: "13:30"
                replicas: 6
                days: [Mon, Tue, Wed, Thu, Fri]
              - name: launch
                start: 2026-12-01T09:00:00-05:00
                end: 2026-12-01T15:00:00Z
                replicas: 0
                leadTime: 1500ms
            """
        )
        #expect(read.problems.isEmpty)
        let schedules = try #require(read.schedules)
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let saleStart = try #require(
            ScheduledFloor.LocalDateTime(year: 2026, month: 11, day: 27, time: .init(hour: 12, minute: 0))
        )
        let saleEnd = try #require(
            ScheduledFloor.LocalDateTime(year: 2026, month: 11, day: 27, time: .init(hour: 14, minute: 0, second: 30))
        )
        #expect(
            schedules == [
                ScheduledFloor(
                    name: "flash-sale",
                    replicas: 20,
                    leadSeconds: 600,
                    timeZone: berlin,
                    timing: .once(start: .local(saleStart), end: .local(saleEnd))
                ),
                ScheduledFloor(
                    name: "lunch",
                    replicas: 6,
                    timeZone: .gmt,
                    timing: .daily(
                        start: .init(hour: 11, minute: 30),
                        end: .init(hour: 13, minute: 30),
                        days: [.monday, .tuesday, .wednesday, .thursday, .friday]
                    )
                ),
                // 09:00 at UTC−5 is 14:00 UTC; 1.5 s of lead rounds up to 2 s.
                ScheduledFloor(
                    name: "launch",
                    replicas: 0,
                    leadSeconds: 2,
                    timing: .once(
                        start: .instant(try ScheduledFloorTests.utc("2026-12-01T14:00:00Z")),
                        end: .instant(try ScheduledFloorTests.utc("2026-12-01T15:00:00Z"))
                    )
                ),
            ]
        )
        // 12:00 CET on 2026-11-27 is 11:00 UTC; the lead starts it at 10:50.
        #expect(schedules[0].isActive(at: try ScheduledFloorTests.utc("2026-11-27T10:50:00Z")))
        #expect(!schedules[0].isActive(at: try ScheduledFloorTests.utc("2026-11-27T10:49:59Z")))
    }

    @Test func absentOrEmptyList() throws {
        #expect(try Self.read("other: 1").schedules == [])
        #expect(try Self.read("schedules: []").schedules == [])
    }

    /// A one-off that ended long ago loads; the engine ignores it as expired.
    @Test func pastOneOffLoads() throws {
        let read = try Self.read(
            """
            schedules:
              - {name: old, start: 2020-01-01T10:00, end: 2020-01-01T11:00, replicas: 3}
            """
        )
        #expect(read.problems.isEmpty)
        let old = try #require(read.schedules?.first)
        #expect(old.hasExpired(at: try ScheduledFloorTests.utc("2026-01-01T00:00:00Z")))
    }

    @Test func misspelledTimeZoneSuggestsName() throws {
        let read = try Self.read(
            """
            schedules:
              - name: sale
                start: "12:00"
                end: "13:00"
                replicas: 5
                timeZone: Europe/Berln
            """
        )
        #expect(read.schedules == nil)
        #expect(
            read.problems == [
                "p.yaml:6:15: targets[0].schedules[0].timeZone: unknown time zone \"Europe/Berln\"; did you mean "
                    + "\"Europe/Berlin\"? Otherwise use an IANA time zone name such as Europe/Berlin, "
                    + "America/New_York or UTC"
            ]
        )
    }

    @Test(arguments: [
        (
            "Berlin",
            "unknown time zone \"Berlin\"; did you mean \"Europe/Berlin\"? Otherwise use an IANA time zone name "
                + "such as Europe/Berlin, America/New_York or UTC"
        ),
        (
            "utc",
            "unknown time zone \"utc\"; did you mean \"UTC\"? Otherwise use an IANA time zone name such as "
                + "Europe/Berlin, America/New_York or UTC"
        ),
        (
            "UTC+2",
            "invalid time zone \"UTC+2\": a fixed UTC offset does not follow daylight saving; use an IANA time "
                + "zone name such as Europe/Berlin, America/New_York or UTC, or give start and end with their "
                + "offset, such as 2026-11-27T12:00:00+01:00"
        ),
        (
            "PST",
            "invalid time zone \"PST\": an abbreviation is ambiguous and changes with daylight saving; use the "
                + "IANA name of the place, such as America/Los_Angeles"
        ),
        (
            "BST",
            "invalid time zone \"BST\": an abbreviation is ambiguous and changes with daylight saving; use the "
                + "IANA name of the place, such as Europe/London"
        ),
    ])
    func unknownTimeZones(name: String, message: String) throws {
        let read = try Self.read(
            "schedules:\n  - {name: a, start: \"12:00\", end: \"13:00\", replicas: 1, timeZone: \(name)}"
        )
        #expect(read.problems == ["p.yaml:2:68: targets[0].schedules[0].timeZone: " + message])
    }

    /// Names with an area, names without one, and the legacy fixed-offset EST all load.
    @Test(arguments: [
        ("Europe/Berlin", 3600), ("America/Argentina/Buenos_Aires", -10800), ("UTC", 0), ("Japan", 32400),
        ("EST", -18000),
    ])
    func ianaTimeZonesLoad(name: String, offset: Int) throws {
        let read = try Self.read(
            "schedules:\n  - {name: a, start: \"12:00\", end: \"13:00\", replicas: 1, timeZone: \(name)}"
        )
        #expect(read.problems.isEmpty)
        // The zone's offset on 2026-01-15, in winter north of the equator.
        let zone = try #require(read.schedules?.first?.timeZone)
        #expect(zone.secondsFromGMT(for: try ScheduledFloorTests.utc("2026-01-15T12:00:00Z")) == offset)
    }

    @Test func oneOffEndNotAfterStart() throws {
        let read = try Self.read(
            """
            schedules:
              - name: backwards
                start: 2026-11-27T14:00
                end: 2026-11-27T12:00
                replicas: 5
              - name: in-the-gap
                start: 2026-03-08T02:10
                end: 2026-03-08T02:50
                replicas: 5
                timeZone: America/New_York
            """
        )
        #expect(read.schedules == nil)
        #expect(
            read.problems == [
                "p.yaml:4:10: targets[0].schedules[0].end: end \"2026-11-27T12:00\" is not after start "
                    + "\"2026-11-27T14:00\"; give an end later than the start",
                "p.yaml:8:10: targets[0].schedules[1].end: end \"2026-03-08T02:50\" is not after start "
                    + "\"2026-03-08T02:10\" in America/New_York: both fall in a time the clock skips (daylight "
                    + "saving); give an end later than the start",
            ]
        )
    }

    @Test(arguments: [
        (
            "\"12.00\"",
            "invalid time \"12.00\": expected HH:MM or HH:MM:SS on a 24-hour clock, such as 12:00 or 09:30, for "
                + "a daily schedule, or YYYY-MM-DDTHH:MM for a one-off"
        ),
        ("\"24:00\"", "invalid time \"24:00\": the hour must be 00 to 23; write midnight as 00:00"),
        ("\"12:60\"", "invalid time \"12:60\": the minute must be 00 to 59"),
        (
            "\"2026-10-25 12:00\"",
            "invalid date and time \"2026-10-25 12:00\": expected YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, read in "
                + "timeZone, or with an offset such as 2026-11-27T12:00:00+01:00 or 2026-11-27T11:00:00Z"
        ),
        (
            "\"2026-02-29T12:00\"",
            "invalid date and time \"2026-02-29T12:00\": 2026-02-29 is not a date; the month is 01 to 12 and the "
                + "day at most the month's length"
        ),
        (
            "\"2026-10-25T12:00:00.5Z\"",
            "invalid date and time \"2026-10-25T12:00:00.5Z\": fractional seconds are not supported; round them"
        ),
    ])
    func malformedStart(text: String, message: String) throws {
        let read = try Self.read("schedules:\n  - start: \(text)\n    end: \"13:00\"\n    name: a\n    replicas: 1")
        #expect(read.schedules == nil)
        #expect(read.problems.first == "p.yaml:2:12: targets[0].schedules[0].start: " + message)
    }

    /// A leap day exists in 2028, so the same text with that year is valid.
    @Test func leapDayInLeapYear() throws {
        let read = try Self.read(
            "schedules:\n  - {name: a, start: 2028-02-29T12:00, end: 2028-02-29T13:00, replicas: 1}"
        )
        #expect(read.problems.isEmpty)
    }

    @Test func duplicateNames() throws {
        let read = try Self.read(
            """
            schedules:
              - {name: sale, start: "12:00", end: "13:00", replicas: 5}
              - {name: sale, start: "18:00", end: "19:00", replicas: 5}
            """
        )
        #expect(read.schedules == nil)
        #expect(
            read.problems == [
                "p.yaml:3:12: targets[0].schedules[1].name: duplicate schedule name \"sale\" (first at line 2); "
                    + "give each schedule its own name"
            ]
        )
    }

    @Test func dayProblems() throws {
        let read = try Self.read(
            """
            schedules:
              - {name: a, start: "12:00", end: "13:00", replicas: 1, days: [Monday, Fri, Fri]}
              - {name: b, start: "12:00", end: "13:00", replicas: 1, days: []}
              - {name: c, start: 2026-11-27T12:00, end: 2026-11-27T13:00, replicas: 1, days: [Fri]}
              - {name: d, start: "12:00", end: "13:00", replicas: 1, days: Mon-Fri}
            """
        )
        #expect(read.schedules == nil)
        #expect(
            read.problems == [
                "p.yaml:2:65: targets[0].schedules[0].days[0]: invalid day \"Monday\"; did you mean \"Mon\"? "
                    + "Allowed days: Mon, Tue, Wed, Thu, Fri, Sat, Sun",
                "p.yaml:2:78: targets[0].schedules[0].days[2]: duplicate day \"Fri\"; list each day once",
                "p.yaml:3:64: targets[0].schedules[1].days: an empty days list never applies; list days such as "
                    + "[Sat, Sun], or remove days",
                "p.yaml:4:82: targets[0].schedules[2].days: days applies only to a daily schedule, whose start and "
                    + "end are times of day such as 12:00; remove days from this one-off schedule",
                "p.yaml:5:64: targets[0].schedules[3].days: expected a list of days such as [Mon, Tue, Wed, Thu, "
                    + "Fri], found \"Mon-Fri\"; allowed days: Mon, Tue, Wed, Thu, Fri, Sat, Sun",
            ]
        )
    }

    @Test func mixedStartAndEndForms() throws {
        let read = try Self.read("schedules:\n  - {name: a, start: \"12:00\", end: 2026-11-27T13:00, replicas: 1}")
        #expect(
            read.problems == [
                "p.yaml:2:36: targets[0].schedules[0].end: end \"2026-11-27T13:00\" is a date and time but start "
                    + "\"12:00\" is a time of day; write both as times of day (12:00) for a daily schedule, or both "
                    + "as dates and times (2026-11-27T12:00) for a one-off"
            ]
        )
    }

    @Test func missingKeysAndBadValues() throws {
        let read = try Self.read(
            """
            schedules:
              - timezone: UTC
                replicas: -1
                leadTime: 30
              - {name: a, start: "12:00", end: "13:00", leadTime: 25h}
              - name: b
            """
        )
        #expect(read.schedules == nil)
        #expect(
            read.problems == [
                "p.yaml:2:5: targets[0].schedules[0].timezone: unknown key \"timezone\"; did you mean \"timeZone\"? "
                    + "Allowed keys: name, start, end, replicas, leadTime, timeZone, days",
                "p.yaml:2:5: targets[0].schedules[0].name: missing key \"name\": name the schedule, such as "
                    + "flash-sale",
                "p.yaml:3:15: targets[0].schedules[0].replicas: invalid value -1: must be 0 to 2147483647",
                "p.yaml:4:15: targets[0].schedules[0].leadTime: invalid duration \"30\": missing unit; expected a "
                    + "positive duration such as 30s, 5m or 1h30m (units ms, s, m, h)",
                "p.yaml:2:5: targets[0].schedules[0].start: missing key \"start\": give a time of day such as 12:00 "
                    + "for a daily schedule, or a date and time such as 2026-11-27T12:00 for a one-off",
                "p.yaml:2:5: targets[0].schedules[0].end: missing key \"end\": give a time of day such as 12:00 "
                    + "for a daily schedule, or a date and time such as 2026-11-27T12:00 for a one-off",
                "p.yaml:5:5: targets[0].schedules[1].replicas: missing key \"replicas\": set the replica floor "
                    + "while the schedule applies",
                "p.yaml:5:55: targets[0].schedules[1].leadTime: invalid leadTime \"25h\": the maximum is 24h, "
                    + "because the lead time only needs to cover pod start-up and warm-up; give a shorter duration",
                "p.yaml:6:5: targets[0].schedules[2].replicas: missing key \"replicas\": set the replica floor "
                    + "while the schedule applies",
                "p.yaml:6:5: targets[0].schedules[2].start: missing key \"start\": give a time of day such as "
                    + "12:00 for a daily schedule, or a date and time such as 2026-11-27T12:00 for a one-off",
                "p.yaml:6:5: targets[0].schedules[2].end: missing key \"end\": give a time of day such as 12:00 "
                    + "for a daily schedule, or a date and time such as 2026-11-27T12:00 for a one-off",
            ]
        )
    }

    /// `schedules:` with nothing after it is a mistake, not an empty list.
    @Test func nullInsteadOfList() throws {
        var reader = PolicyReader(file: "p.yaml")
        let root = try #require(try YAMLParser.parse("schedules:\nother: 1"))
        #expect(reader.readSchedules(root["schedules"], path: "targets[0].schedules") == nil)
        let problem = try #require(reader.problems.first)
        #expect(reader.problems.count == 1)
        #expect(problem.path == "targets[0].schedules")
        #expect(
            problem.message
                == "expected a list of schedules, found nothing; list them as \"- name: ...\" or remove schedules"
        )
    }

    @Test func scalarInsteadOfList() throws {
        let read = try Self.read("schedules: sale")
        #expect(read.schedules == nil)
        #expect(
            read.problems == [
                "p.yaml:1:12: targets[0].schedules: expected a list of schedules, found a scalar; list them as "
                    + "\"- name: ...\" or remove schedules"
            ]
        )
    }
}
