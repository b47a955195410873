import FleetModel
import Foundation

/// Builders of an `ArrivalSchedule` from the two inputs `headroom-load` accepts.
public enum ScheduleSource {
    /// Parses a rates file: the header `second,rate`, then one `second,rate` line per wall
    /// second, seconds 0, 1, 2, … in order, each rate a finite number of requests/s ≥ 0. Each
    /// second runs at its rate for the whole second (piecewise constant).
    public static func parseRates(_ text: String, path: String) throws(LoadError) -> ArrivalSchedule {
        var segments: [RateSegment] = []
        var sawHeader = false
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let lineNumber = offset + 1
            if !sawHeader {
                guard line == "second,rate" else {
                    throw invalidRates(path, "line \(lineNumber) is \"\(line)\", expected the header \"second,rate\"")
                }
                sawHeader = true
                continue
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw invalidRates(path, "line \(lineNumber) \"\(line)\" must have two fields, second and rate")
            }
            let secondField = fields[0].trimmingCharacters(in: .whitespaces)
            guard let second = Int(secondField), second == segments.count else {
                throw invalidRates(
                    path,
                    "line \(lineNumber) \"\(line)\" has second \"\(secondField)\", expected \(segments.count)"
                        + " (seconds start at 0 and increase by 1)"
                )
            }
            let rateField = fields[1].trimmingCharacters(in: .whitespaces)
            guard let rate = Double(rateField), rate.isFinite, rate >= 0 else {
                throw invalidRates(
                    path,
                    "line \(lineNumber) \"\(line)\" has rate \"\(rateField)\", expected a number of requests/s ≥ 0"
                )
            }
            segments.append(.constant(rate, for: 1))
        }
        guard sawHeader else { throw invalidRates(path, "the file is empty, and it needs the header \"second,rate\"") }
        guard !segments.isEmpty else { throw invalidRates(path, "the file has no rate lines after the header") }
        return ArrivalSchedule(segments: segments)
    }

    /// Reads a rates file from disk; see `parseRates(_:path:)`.
    public static func loadRates(path: String) throws(LoadError) -> ArrivalSchedule {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw invalidRates(path, "the file cannot be read, so check the path")
        }
        return try parseRates(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Turns a trace window into a schedule, piecewise constant per trace minute.
    ///
    /// Rates are scaled linearly so that the window's busiest minute runs at `peak` requests/s,
    /// then raised to `floor` where they fall below it. With compression N one wall second
    /// covers N trace seconds, so each trace minute lasts 60/N wall seconds. Constant minutes
    /// match the fleet model's per-minute load, so the simulator and a real run see one shape.
    public static func traceSchedule(
        window: RequestTrace,
        compression: Double,
        peak: Double,
        floor: Double
    ) throws(LoadError) -> ArrivalSchedule {
        let rates: [Double]
        do {
            rates = try window.requestsPerSecond(scaledBy: .peakMinute(requestsPerSecond: peak))
        } catch {
            throw .invalidFlag(flag: "--peak", value: "\(peak)", problem: "\(error)")
        }
        let minuteLength = 60 / compression
        let segments = rates.map { RateSegment.constant(max($0, floor), for: minuteLength) }
        return ArrivalSchedule(segments: segments)
    }

    /// Reads `worldcup98:PATH` and narrows it to the window `from`..<`to`, given as
    /// `YYYY-MM-DD HH:MM` (or with `:00` seconds).
    public static func loadWorldCup98Window(trace: String, from: String, to: String) throws(LoadError) -> RequestTrace {
        let prefix = "worldcup98:"
        guard trace.hasPrefix(prefix), trace.count > prefix.count else {
            throw .invalidFlag(
                flag: "--trace",
                value: trace,
                problem: "expected worldcup98:PATH, the WorldCup98 per-minute CSV"
            )
        }
        let path = String(trace.dropFirst(prefix.count))
        let lower = try period(from, flag: "--from")
        let upper = try period(to, flag: "--to")
        let whole: RequestTrace
        do {
            whole = try RequestTrace.loadWorldCup98(path: path)
        } catch {
            throw .invalidFlag(flag: "--trace", value: trace, problem: "\(error)")
        }
        do {
            return try whole.window(from: lower, to: upper)
        } catch {
            throw .invalidFlag(flag: "--from/--to", value: "\(from)..\(to)", problem: "\(error)")
        }
    }

    private static func period(_ label: String, flag: String) throws(LoadError) -> TracePeriod {
        let full = label.count == 16 ? label + ":00" : label
        guard let period = TracePeriod(label: full) else {
            throw .invalidFlag(flag: flag, value: label, problem: "expected a trace minute as YYYY-MM-DD HH:MM")
        }
        return period
    }

    private static func invalidRates(_ path: String, _ problem: String) -> LoadError {
        .invalidFlag(flag: "--rates", value: path, problem: problem)
    }
}
