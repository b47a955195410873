import Foundation
import YAML

extension PolicyReader {
    static let scheduleKeys = ["name", "start", "end", "replicas", "leadTime", "timeZone", "days"]

    /// Keys of other schedulers (KEDA's cron scaler, cron jobs) and the key Headroom uses instead.
    static let scheduleKeySynonyms = [
        "timezone": "timeZone", "tz": "timeZone", "desiredReplicas": "replicas", "minReplicas": "replicas",
        "lead": "leadTime", "warmup": "leadTime", "from": "start", "begin": "start", "until": "end", "to": "end",
        "weekdays": "days", "daysOfWeek": "days",
    ]

    /// The maximum lead time, 24 hours, which covers any pod start-up and warm-up.
    static let maximumLeadSeconds = 86_400

    /// Reads a target's `schedules` list. Returns `[]` when the key is absent and `nil` when any
    /// schedule has a problem. A one-off schedule that has already ended is valid, and the engine
    /// ignores it.
    mutating func readSchedules(_ node: YAMLNode?, path: String) -> [ScheduledFloor]? {
        guard let node else { return [] }
        guard let items = node.items else {
            let found = node.scalar?.isNull == true ? "nothing" : "a \(node.kindName)"
            report(
                node,
                path,
                "expected a list of schedules, found \(found); list them as \"- name: ...\" or remove schedules"
            )
            return nil
        }

        var schedules: [ScheduledFloor] = []
        var isValid = true
        var firstLine: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if let nameNode = item["name"], let name = nameNode.scalar?.value, nameNode.scalar?.isNull == false {
                if let line = firstLine[name] {
                    report(
                        nameNode,
                        itemPath + ".name",
                        "duplicate schedule name \"\(name)\" (first at line \(line)); give each schedule its own name"
                    )
                    isValid = false
                }
                firstLine[name] = firstLine[name] ?? nameNode.mark.line
            }
            guard let schedule = readSchedule(item, path: itemPath) else {
                isValid = false
                continue
            }
            schedules.append(schedule)
        }
        return isValid ? schedules : nil
    }

    /// Reads one schedule, or returns `nil` when it has a problem.
    private mutating func readSchedule(_ node: YAMLNode, path: String) -> ScheduledFloor? {
        guard checkMapping(node, path, allowed: Self.scheduleKeys, synonyms: Self.scheduleKeySynonyms) else {
            return nil
        }
        let problemsBefore = problems.count

        let name = readScheduleName(node, path: path)
        var replicas: Int?
        if let replicasNode = node["replicas"] {
            replicas = int(replicasNode, path + ".replicas", in: Self.replicaRange)
        } else {
            report(
                node,
                path + ".replicas",
                "missing key \"replicas\": set the replica floor while the schedule applies"
            )
        }
        var zone: TimeZone? = .gmt
        if let zoneNode = node["timeZone"] {
            zone = readTimeZone(zoneNode, path + ".timeZone")
        }
        let lead = node["leadTime"].map { readLeadTime($0, path + ".leadTime") } ?? 0
        let timing = readTiming(node, path: path, zone: zone)

        guard problems.count == problemsBefore, let name, let replicas, let zone, let lead, let timing else {
            return nil
        }
        return ScheduledFloor(name: name, replicas: replicas, leadSeconds: lead, timeZone: zone, timing: timing)
    }

    private mutating func readScheduleName(_ node: YAMLNode, path: String) -> String? {
        guard let nameNode = node["name"] else {
            report(
                node,
                path + ".name",
                "missing key \"name\": name the schedule, such as flash-sale"
            )
            return nil
        }
        guard let name = string(nameNode, path + ".name") else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        guard !name.isEmpty, name.count <= 63, name.allSatisfy({ allowed.contains($0) }) else {
            report(nameNode, path + ".name", "invalid name \"\(name)\": use 1 to 63 letters, digits, '_' or '-'")
            return nil
        }
        return name
    }

    /// Reads `leadTime` as whole seconds, rounded up so the floor is never late.
    private mutating func readLeadTime(_ node: YAMLNode, _ path: String) -> Int? {
        guard let seconds = duration(node, path) else { return nil }
        guard seconds <= Double(Self.maximumLeadSeconds) else {
            report(
                node,
                path,
                "invalid leadTime \(Self.quote(node)): the maximum is 24h, because the lead time only needs "
                    + "to cover pod start-up and warm-up; give a shorter duration"
            )
            return nil
        }
        return Int(seconds.rounded(.up))
    }

    /// Reads `start`, `end` and `days` into a one-off or a daily timing.
    private mutating func readTiming(_ node: YAMLNode, path: String, zone: TimeZone?) -> ScheduledFloor.Timing? {
        let start = readScheduleTime(node, "start", path: path)
        let end = readScheduleTime(node, "end", path: path)
        let days = node["days"].flatMap { readDays($0, path + ".days") }
        guard let start, let end, let startNode = node["start"], let endNode = node["end"] else { return nil }
        let startText = Self.quote(startNode)
        let endText = Self.quote(endNode)

        switch (start, end) {
        case (.timeOfDay(let from), .timeOfDay(let until)):
            guard node["days"] == nil || days != nil else { return nil }
            return .daily(start: from, end: until, days: days ?? ScheduledFloor.Weekday.allCases)
        case (.moment(let from), .moment(let until)):
            if let daysNode = node["days"] {
                report(
                    daysNode,
                    path + ".days",
                    "days applies only to a daily schedule, whose start and end are times of day such as 12:00; "
                        + "remove days from this one-off schedule"
                )
                return nil
            }
            guard let zone else { return nil }
            guard from.instant(in: zone) < until.instant(in: zone) else {
                var message = "end \(endText) is not after start \(startText)"
                if case .local(let localStart) = from, case .local(let localEnd) = until,
                    localStart.localSeconds < localEnd.localSeconds
                {
                    message += " in \(zone.identifier): both fall in a time the clock skips (daylight saving)"
                }
                report(endNode, path + ".end", message + "; give an end later than the start")
                return nil
            }
            return .once(start: from, end: until)
        default:
            let startKind = start.kindName
            let endKind = end.kindName
            report(
                endNode,
                path + ".end",
                "end \(endText) is \(endKind) but start \(startText) is \(startKind); write both as times of day "
                    + "(12:00) for a daily schedule, or both as dates and times (2026-11-27T12:00) for a one-off"
            )
            return nil
        }
    }

    private mutating func readScheduleTime(_ node: YAMLNode, _ key: String, path: String) -> ScheduleTimeText.Value? {
        let keyPath = path + "." + key
        guard let valueNode = node[key] else {
            report(
                node,
                keyPath,
                "missing key \"\(key)\": give a time of day such as 12:00 for a daily schedule, or a date and "
                    + "time such as 2026-11-27T12:00 for a one-off"
            )
            return nil
        }
        guard let text = string(valueNode, keyPath) else { return nil }
        switch ScheduleTimeText.parse(text) {
        case .success(let value):
            return value
        case .failure(let failure):
            report(valueNode, keyPath, failure.message)
            return nil
        }
    }

    /// Reads `days`: a non-empty list of `Mon` to `Sun`, each at most once.
    private mutating func readDays(_ node: YAMLNode, _ path: String) -> [ScheduledFloor.Weekday]? {
        let allowed = ScheduledFloor.Weekday.allCases.map(\.rawValue)
        guard let items = node.items else {
            report(
                node,
                path,
                "expected a list of days such as [Mon, Tue, Wed, Thu, Fri], found \(Self.quote(node)); "
                    + "allowed days: \(allowed.joined(separator: ", "))"
            )
            return nil
        }
        guard !items.isEmpty else {
            report(node, path, "an empty days list never applies; list days such as [Sat, Sun], or remove days")
            return nil
        }
        let problemsBefore = problems.count
        var days: Set<ScheduledFloor.Weekday> = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let text = string(item, itemPath) else { continue }
            guard let day = ScheduledFloor.Weekday(rawValue: text) else {
                var message = "invalid day \"\(text)\""
                if let suggestion = Self.daySuggestion(text) { message += "; did you mean \"\(suggestion)\"?" }
                report(item, itemPath, Self.continued(message) + "Allowed days: \(allowed.joined(separator: ", "))")
                continue
            }
            guard days.insert(day).inserted else {
                report(item, itemPath, "duplicate day \"\(text)\"; list each day once")
                continue
            }
        }
        guard problems.count == problemsBefore else { return nil }
        return ScheduledFloor.Weekday.allCases.filter { days.contains($0) }
    }

    /// `Mon` for `monday` or `MON`, else the nearest abbreviation by edit distance.
    static func daySuggestion(_ text: String) -> String? {
        let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        let lowered = text.lowercased()
        if lowered.count >= 3, let index = names.firstIndex(where: { $0.hasPrefix(lowered) }) {
            return ScheduledFloor.Weekday.allCases[index].rawValue
        }
        return EditDistance.suggestion(for: text, among: ScheduledFloor.Weekday.allCases.map(\.rawValue))
    }
}

// MARK: - Time zones

extension PolicyReader {
    /// Reads an IANA time zone name such as `Europe/Berlin`, or `UTC`.
    mutating func readTimeZone(_ node: YAMLNode, _ path: String) -> TimeZone? {
        guard let text = string(node, path) else { return nil }
        if let zone = Self.timeZone(named: text) { return zone }
        report(node, path, Self.unknownTimeZoneMessage(text))
        return nil
    }

    /// Returns the zone of an IANA name, or `nil`. Foundation's zones come from ICU, which also
    /// accepts names that the IANA database does not have, and this rejects them. ICU rewrites
    /// `GMT+2` into a fixed offset, which ignores daylight saving. It also has `SystemV/` names
    /// and Java's three-letter names, which mislead: with Swift 6.3.1 on Linux, `BST` is UTC+6
    /// (Bangladesh), not British Summer Time, and `IST` is UTC+5:30 (India).
    static func timeZone(named text: String) -> TimeZone? {
        guard let zone = TimeZone(identifier: text) else { return nil }
        if text.contains("/") {
            return zone.identifier == text && !text.hasPrefix("SystemV/") ? zone : nil
        }
        return ianaNamesWithoutArea.contains(text) ? zone : nil
    }

    /// The names of the IANA database that have no `Area/` part, from its `backward` and
    /// `etcetera` files. `Factory` is left out because it is no place's local time.
    static let ianaNamesWithoutArea: Set<String> = [
        "CET", "CST6CDT", "Cuba", "EET", "EST", "EST5EDT", "Egypt", "Eire", "GB", "GB-Eire", "GMT", "GMT+0",
        "GMT-0", "GMT0", "Greenwich", "HST", "Hongkong", "Iceland", "Iran", "Israel", "Jamaica", "Japan",
        "Kwajalein", "Libya", "MET", "MST", "MST7MDT", "NZ", "NZ-CHAT", "Navajo", "PRC", "PST8PDT", "Poland",
        "Portugal", "ROC", "ROK", "Singapore", "Turkey", "UCT", "UTC", "Universal", "W-SU", "WET", "Zulu",
    ]

    static func unknownTimeZoneMessage(_ text: String) -> String {
        let example = "use an IANA time zone name such as Europe/Berlin, America/New_York or UTC"
        let hasDigit = text.contains { $0.isASCII && $0.isNumber }
        let upper = text.uppercased()
        if hasDigit, text.hasPrefix("+") || text.hasPrefix("-") || upper.hasPrefix("UTC") || upper.hasPrefix("GMT") {
            return "invalid time zone \"\(text)\": a fixed UTC offset does not follow daylight saving; \(example), "
                + "or give start and end with their offset, such as 2026-11-27T12:00:00+01:00"
        }
        // Names are case-sensitive, so a name that differs only in case is a plain typo. Any
        // other abbreviation is reported as one before near misses are suggested, because for
        // three letters the nearest name is often unrelated (PST is 2 edits from UTC).
        let suggestions = timeZoneSuggestions(for: text)
        let exact = suggestions.filter { EditDistance.distance(text, $0) == 0 }
        if exact.isEmpty, !text.contains("/"), let zone = TimeZone(abbreviation: upper) {
            return "invalid time zone \"\(text)\": an abbreviation is ambiguous and changes with daylight saving; "
                + "use the IANA name of the place, such as \(zone.identifier)"
        }
        guard !suggestions.isEmpty else { return "unknown time zone \"\(text)\"; \(example)" }
        let quoted = suggestions.map { "\"\($0)\"" }
        let list = quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
        return "unknown time zone \"\(text)\"; did you mean \(list)? Otherwise \(example)"
    }

    /// Returns the IANA names closest to `text` (up to three, all at the smallest distance found),
    /// compared whole and by their last part, so that `Europe/Berln` and `Berlin` both find
    /// `Europe/Berlin`. A space counts as the underscore of names such as `America/New_York`.
    static func timeZoneSuggestions(for text: String) -> [String] {
        let word = text.replacingOccurrences(of: " ", with: "_")
        var scored: [(name: String, distance: Int)] = []
        for name in TimeZone.knownTimeZoneIdentifiers + ["UTC"] {
            let city = String(name.split(separator: "/").last ?? Substring(name))
            let whole = EditDistance.distance(word, name)
            let part = EditDistance.distance(word, city)
            if whole <= max(2, name.count / 3) || part <= max(2, city.count / 3) {
                scored.append((name, min(whole, part)))
            }
        }
        guard let best = scored.map(\.distance).min() else { return [] }
        return scored.filter { $0.distance == best }.map(\.name).sorted().prefix(3).map { $0 }
    }
}

// MARK: - Time text

/// The text forms of a schedule's `start` and `end`: `HH:MM[:SS]` for a daily schedule, and
/// `YYYY-MM-DDTHH:MM[:SS]` for a one-off, optionally followed by `Z` or an offset `±HH:MM`
/// (RFC 3339).
enum ScheduleTimeText {
    enum Value {
        case timeOfDay(ScheduledFloor.TimeOfDay)
        case moment(ScheduledFloor.Moment)

        var kindName: String {
            switch self {
            case .timeOfDay: "a time of day"
            case .moment: "a date and time"
            }
        }
    }

    struct Failure: Error {
        let message: String
    }

    static func parse(_ text: String) -> Result<Value, Failure> {
        var scanner = Scanner(text)
        // A date starts with four digits and a dash; anything else is read as a time of day.
        if let year = scanner.number(digits: 4), scanner.take("-") {
            return parseDateTime(text, year: year, scanner: &scanner).map { Value.moment($0) }
        }
        scanner = Scanner(text)
        guard let time = parseTime(&scanner), scanner.isAtEnd else {
            return .failure(
                Failure(
                    message: "invalid time \"\(text)\": expected HH:MM or HH:MM:SS on a 24-hour clock, such as "
                        + "12:00 or 09:30, for a daily schedule, or YYYY-MM-DDTHH:MM for a one-off"
                )
            )
        }
        if let problem = rangeProblem(time) {
            return .failure(Failure(message: "invalid time \"\(text)\": \(problem)"))
        }
        return .success(.timeOfDay(time))
    }

    private static func parseDateTime(_ text: String, year: Int, scanner: inout Scanner)
        -> Result<ScheduledFloor.Moment, Failure>
    {
        let malformed = Failure(
            message: "invalid date and time \"\(text)\": expected YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, "
                + "read in timeZone, or with an offset such as 2026-11-27T12:00:00+01:00 or 2026-11-27T11:00:00Z"
        )
        guard let month = scanner.number(digits: 2), scanner.take("-"), let day = scanner.number(digits: 2),
            scanner.take("T") || scanner.take("t"), let time = parseTime(&scanner)
        else { return .failure(malformed) }
        var offsetSeconds: Int?
        if scanner.take("Z") || scanner.take("z") {
            offsetSeconds = 0
        } else if let sign: Int = scanner.take("+") ? 1 : scanner.take("-") ? -1 : nil {
            guard let hours = scanner.number(digits: 2), scanner.take(":"), let minutes = scanner.number(digits: 2)
            else { return .failure(malformed) }
            guard hours <= 23, minutes <= 59 else {
                return .failure(
                    Failure(message: "invalid date and time \"\(text)\": the offset must be -23:59 to +23:59")
                )
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        if scanner.peek == "." {
            return .failure(
                Failure(message: "invalid date and time \"\(text)\": fractional seconds are not supported; round them")
            )
        }
        guard scanner.isAtEnd else { return .failure(malformed) }
        if let problem = rangeProblem(time) {
            return .failure(Failure(message: "invalid date and time \"\(text)\": \(problem)"))
        }
        guard year >= 1, let local = ScheduledFloor.LocalDateTime(year: year, month: month, day: day, time: time) else {
            let date = text.prefix(10)
            return .failure(
                Failure(
                    message: "invalid date and time \"\(text)\": \(date) is not a date; the month is 01 to 12 and "
                        + "the day at most the month's length"
                )
            )
        }
        guard let offsetSeconds else { return .success(.local(local)) }
        let instant = Date(timeIntervalSince1970: Double(local.localSeconds - offsetSeconds))
        return .success(.instant(instant))
    }

    /// `HH:MM` or `HH:MM:SS`, not yet checked against the clock's ranges.
    private static func parseTime(_ scanner: inout Scanner) -> ScheduledFloor.TimeOfDay? {
        guard let hour = scanner.number(digits: 2), scanner.take(":"), let minute = scanner.number(digits: 2) else {
            return nil
        }
        var second = 0
        if scanner.peek == ":" {
            _ = scanner.take(":")
            guard let value = scanner.number(digits: 2) else { return nil }
            second = value
        }
        return ScheduledFloor.TimeOfDay(hour: hour, minute: minute, second: second)
    }

    private static func rangeProblem(_ time: ScheduledFloor.TimeOfDay) -> String? {
        if time.hour > 23 { return "the hour must be 00 to 23; write midnight as 00:00" }
        if time.minute > 59 { return "the minute must be 00 to 59" }
        if time.second > 59 { return "the second must be 00 to 59" }
        return nil
    }

    /// Reads fixed-width ASCII fields from the front of a text.
    private struct Scanner {
        private let characters: [Character]
        private var index = 0

        init(_ text: String) {
            characters = Array(text)
        }

        var isAtEnd: Bool { index == characters.count }
        var peek: Character? { index < characters.count ? characters[index] : nil }

        /// Consumes `character` when it comes next.
        mutating func take(_ character: Character) -> Bool {
            guard peek == character else { return false }
            index += 1
            return true
        }

        /// Consumes exactly `digits` ASCII digits and returns their value.
        mutating func number(digits: Int) -> Int? {
            guard index + digits <= characters.count else { return nil }
            let field = characters[index..<(index + digits)]
            guard field.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(String(field)) else { return nil }
            index += digits
            return value
        }
    }
}
