import Foundation
import Testing

@testable import FleetModel

@Suite struct RequestTraceTests {
    private static func csv(_ rows: [String]) -> String {
        (["period,count"] + rows).joined(separator: "\n") + "\n"
    }

    private static func error(_ body: () throws -> RequestTrace) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func worldCupParsesConsecutiveRows() throws {
        let trace = try RequestTrace.parseWorldCup98(
            Self.csv(["1998-05-12 06:00:00,100", "1998-05-12 06:01:00,130\r", "1998-05-12 06:02:00,0"])
        )
        #expect(trace.requestsPerMinute == [100, 130, 0])
        #expect(trace.startLabel == "1998-05-12 06:00:00")
        #expect(trace.filledMinutes == 0)
    }

    @Test func shortGapFilledByInterpolation() throws {
        // 06:02–06:04 are missing between 130 at 06:01 and 50 at 06:05: four steps of −20.
        let trace = try RequestTrace.parseWorldCup98(
            Self.csv([
                "1998-05-12 06:00:00,100", "1998-05-12 06:01:00,130", "1998-05-12 06:05:00,50",
                "1998-05-12 06:06:00,60",
            ])
        )
        #expect(trace.requestsPerMinute == [100, 130, 110, 90, 70, 50, 60])
        #expect(trace.filledMinutes == 3)
        #expect(trace.filledMinuteIndices == [2, 3, 4])
    }

    @Test func gapAcrossMonthEndFilled() throws {
        // 1998-05-31 23:59 → 1998-06-01 00:02: 00:00 and 00:01 are missing, 10 → 40 in three steps.
        let trace = try RequestTrace.parseWorldCup98(
            Self.csv(["1998-05-31 23:59:00,10", "1998-06-01 00:02:00,40"])
        )
        #expect(trace.requestsPerMinute == [10, 20, 30, 40])
        #expect(trace.period(at: 1)?.description == "1998-06-01 00:00:00")
    }

    @Test func tenMinuteGapFilledElevenRejected() throws {
        let ten = try RequestTrace.parseWorldCup98(Self.csv(["1998-05-12 06:00:00,0", "1998-05-12 06:11:00,110"]))
        #expect(ten.filledMinutes == 10)
        #expect(ten.requestsPerMinute == (0...11).map { Double($0 * 10) })

        let message = Self.error {
            try RequestTrace.parseWorldCup98(Self.csv(["1998-05-12 06:00:00,0", "1998-05-12 06:12:00,120"]))
        }
        #expect(message?.contains("line 3") == true)
        #expect(message?.contains("11 minutes missing") == true)
        #expect(message?.contains("1998-05-12 06:01:00 to 1998-05-12 06:11:00") == true)
    }

    @Test func duplicatePeriodRejected() {
        let message = Self.error {
            try RequestTrace.parseWorldCup98(
                Self.csv(["1998-05-12 06:00:00,1", "1998-05-12 06:01:00,2", "1998-05-12 06:01:00,3"])
            )
        }
        #expect(message?.contains("line 4") == true)
        #expect(message?.contains("1998-05-12 06:01:00 appears twice") == true)
    }

    @Test func outOfOrderPeriodRejected() {
        let message = Self.error {
            try RequestTrace.parseWorldCup98(Self.csv(["1998-05-12 06:05:00,1", "1998-05-12 06:01:00,2"]))
        }
        #expect(message?.contains("line 3") == true)
        #expect(message?.contains("comes after 1998-05-12 06:05:00") == true)
    }

    @Test func badNumberMessageNamesLineFieldValue() {
        let message = Self.error {
            try RequestTrace.parseWorldCup98(Self.csv(["1998-05-12 06:00:00,1", "1998-05-12 06:01:00,12x"]))
        }
        #expect(
            message
                == "WorldCup98 trace line 3: invalid count \"12x\"; expected a whole number of requests such as 1250"
        )
    }

    @Test func negativeCountRejected() {
        let message = Self.error { try RequestTrace.parseWorldCup98(Self.csv(["1998-05-12 06:00:00,-5"])) }
        #expect(message?.contains("line 2: count -5 is negative") == true)
    }

    @Test func invalidPeriodsRejected() {
        // 1998 is not a leap year; seconds other than 00 are not a per-minute label.
        for period in ["1998-02-29 00:00:00", "1998-05-12 24:00:00", "1998-05-12 06:00:30", "1998/05/12 06:00:00"] {
            let message = Self.error { try RequestTrace.parseWorldCup98(Self.csv(["\(period),1"])) }
            #expect(message?.contains("line 2: invalid period \"\(period)\"") == true)
        }
        #expect(TracePeriod(label: "2000-02-29 12:34:00")?.description == "2000-02-29 12:34:00")
    }

    @Test func headerAndFieldCountChecked() {
        let header = Self.error { try RequestTrace.parseWorldCup98("time,count\n1998-05-12 06:00:00,1\n") }
        #expect(header?.contains("invalid header \"time,count\"") == true)
        let fields = Self.error { try RequestTrace.parseWorldCup98(Self.csv(["1998-05-12 06:00:00,1,2"])) }
        #expect(fields?.contains("line 2: invalid row") == true)
        let empty = Self.error { try RequestTrace.parseWorldCup98("period,count\n") }
        #expect(empty?.contains("has no rows") == true)
    }

    @Test func azureLineParsed() throws {
        let trace = try RequestTrace.parseAzure("5,10,15,0\n")
        #expect(trace.requestsPerMinute == [5, 10, 15, 0])
        #expect(trace.startLabel == "minute 0")
        let message = Self.error { try RequestTrace.parseAzure("5,x,7") }
        #expect(message?.contains("invalid minute 1 \"x\"") == true)
    }

    @Test func windowByPeriodsAndMinutes() throws {
        let trace = try RequestTrace.parseWorldCup98(
            Self.csv(["1998-05-12 06:00:00,100", "1998-05-12 06:01:00,130", "1998-05-12 06:05:00,50"])
        )
        let window = try trace.window(from: "1998-05-12 06:01:00", to: "1998-05-12 06:04:00")
        #expect(window.requestsPerMinute == [130, 110, 90])
        #expect(window.startLabel == "1998-05-12 06:01:00")
        #expect(window.filledMinuteIndices == [1, 2])

        let azure = try RequestTrace.parseAzure("1,2,3,4,5").window(minutes: 1..<3)
        #expect(azure.requestsPerMinute == [2, 3])
        #expect(azure.startLabel == "minute 1")

        let message = Self.error { try trace.window(from: "1998-05-12 05:59:00", to: "1998-05-12 06:02:00") }
        #expect(message?.contains("outside the trace") == true)
    }

    @Test func loadFromFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("w.csv").path
        try Self.csv(["1998-05-12 06:00:00,7"]).write(toFile: path, atomically: true, encoding: .utf8)

        #expect(try RequestTrace.loadWorldCup98(path: path).requestsPerMinute == [7])
        let message = Self.error { try RequestTrace.loadWorldCup98(path: path + ".missing") }
        #expect(message?.contains("no such file") == true)
    }

    @Test func scalingByFactorPeakAndMedian() throws {
        let trace = RequestTrace(startPeriod: nil, requestsPerMinute: [60, 120, 30, 90])
        // count × 2 / 60.
        #expect(try trace.requestsPerSecond(scaledBy: .factor(2)) == [2, 4, 1, 3])
        // Peak 120 → 8/s: × 8/120.
        #expect(try trace.requestsPerSecond(scaledBy: .peakMinute(requestsPerSecond: 8)) == [4, 8, 2, 6])
        // Median of 30, 60, 90, 120 is 75 → 15/s: × 0.2.
        #expect(try trace.requestsPerSecond(scaledBy: .medianMinute(requestsPerSecond: 15)) == [12, 24, 6, 18])

        let odd = RequestTrace(startPeriod: nil, requestsPerMinute: [10, 40, 20])
        #expect(try odd.requestsPerSecond(scaledBy: .medianMinute(requestsPerSecond: 5)) == [2.5, 10, 5])

        let zero = RequestTrace(startPeriod: nil, requestsPerMinute: [0, 0])
        #expect(throws: RequestTraceError.self) {
            try zero.requestsPerSecond(scaledBy: .peakMinute(requestsPerSecond: 1))
        }
    }

    @Test func perMinuteLoadIsConstantWithinMinute() {
        let load = PerMinuteLoad(requestsPerSecond: [2, 4])
        #expect(load.duration == 120)
        #expect(load.requestsPerSecond(at: 59.9) == 2)
        #expect(load.requestsPerSecond(at: 60) == 4)
        #expect(load.requestsPerSecond(at: 120) == 0)
        #expect(load.expectedArrivals(from: 30, to: 90) == 2 * 30 + 4 * 30)
        #expect(load.maximumRequestsPerSecond(from: 59.5, to: 60.5) == 4)
    }
}
