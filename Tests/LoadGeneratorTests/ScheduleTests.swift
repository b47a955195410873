import FleetModel
import Foundation
import Testing

@testable import LoadGenerator

/// Send times from the integral rule, each worked out by hand in the comments.
struct ScheduleTests {
    @Test func constantRateSendsEveryTenth() throws {
        // 10/s for 1 s: the integral 10t reaches k at t = k/10, so 0.1, 0.2, …, 1.0.
        let schedule = ArrivalSchedule(segments: [.constant(10, for: 1)])
        let times = schedule.allTimes()

        try #require(times.count == 10)
        for (index, time) in times.enumerated() {
            #expect(abs(time - Double(index + 1) / 10) < 1e-9, "request \(index + 1) at \(time)")
        }
        #expect(schedule.requestsPerSecond() == [10])
    }

    @Test func stepRateChangesSpacing() throws {
        // 10/s for 1 s, then 20/s for 1 s: requests 1…10 at k/10; request 10 + j at 1 + j/20.
        let schedule = ArrivalSchedule(segments: [.constant(10, for: 1), .constant(20, for: 1)])
        let times = schedule.allTimes()

        try #require(times.count == 30)
        #expect(abs(times[9] - 1.0) < 1e-9)
        #expect(abs(times[10] - 1.05) < 1e-9)
        #expect(abs(times[19] - 1.5) < 1e-9)
        #expect(abs(times[29] - 2.0) < 1e-9)
        #expect(schedule.requestsPerSecond() == [10, 20])
    }

    @Test func rampRateFollowsSquareRoot() throws {
        // A ramp from 0 to 20/s over 1 s has integral 10t², so request k is due at √(k/10):
        // k = 1 at 0.316228, k = 10 at exactly 1.
        let schedule = ArrivalSchedule(segments: [RateSegment(duration: 1, startRate: 0, endRate: 20)])
        let times = schedule.allTimes()

        try #require(times.count == 10)
        for (index, time) in times.enumerated() {
            let expected = (Double(index + 1) / 10).squareRoot()
            #expect(abs(time - expected) < 1e-9, "request \(index + 1) at \(time), expected \(expected)")
        }
    }

    @Test func fractionalRateCarriesAcrossSeconds() throws {
        // 2.5/s for 2 s: the integral 2.5t reaches 1…5 at 0.4, 0.8, 1.2, 1.6, 2.0, so second 0
        // contains two requests and second 1 contains three.
        let schedule = ArrivalSchedule(segments: [.constant(2.5, for: 1), .constant(2.5, for: 1)])

        #expect(schedule.totalRequests == 5)
        #expect(schedule.requestsPerSecond() == [2, 3])
        let times = schedule.allTimes()
        try #require(times.count == 5)
        #expect(abs(times[2] - 1.2) < 1e-9)
    }

    @Test func ratesFileBuildsOneSegmentPerSecond() throws {
        let schedule = try ScheduleSource.parseRates("second,rate\n0,4\n1,0\n2,8\n", path: "r.csv")

        // 4, 0 and 8 requests in seconds 0, 1 and 2.
        #expect(schedule.requestsPerSecond() == [4, 0, 8])
        #expect(schedule.duration == 3)
        let times = schedule.allTimes()
        try #require(times.count == 12)
        // The fifth request is the first of second 2: 2 + 1/8.
        #expect(abs(times[4] - 2.125) < 1e-9)
    }

    @Test func worldCupWindowScalesToPeak() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/wc.csv"
        let csv = """
            period,count
            1998-06-30 06:00:00,600
            1998-06-30 06:01:00,1200
            1998-06-30 06:02:00,300
            1998-06-30 06:03:00,900

            """
        try csv.write(toFile: path, atomically: true, encoding: .utf8)

        // The window 06:01..06:03 contains 1200 and 300; scaling the peak to 10/s gives 10 and 2.5.
        let window = try ScheduleSource.loadWorldCup98Window(
            trace: "worldcup98:" + path,
            from: "1998-06-30 06:01",
            to: "1998-06-30 06:03"
        )
        #expect(window.requestsPerMinute == [1200, 300])

        // Compression 30: each trace minute lasts 2 wall seconds, so 20 + 5 requests.
        let plain = try ScheduleSource.traceSchedule(window: window, compression: 30, peak: 10, floor: 0)
        #expect(plain.duration == 4)
        #expect(plain.requestsPerSecond() == [10, 10, 2, 3])

        // With a floor of 5/s the second minute runs at 5: 20 + 10 requests.
        let floored = try ScheduleSource.traceSchedule(window: window, compression: 30, peak: 10, floor: 5)
        #expect(floored.requestsPerSecond() == [10, 10, 5, 5])
        #expect(floored.totalRequests == 30)
    }

    @Test func quantileUsesNearestRank() {
        // Ranks ⌈0.5·4⌉ = 2 and ⌈0.99·4⌉ = 4.
        #expect(quantile([1, 2, 3, 4], 0.5) == 2)
        #expect(quantile([1, 2, 3, 4], 0.99) == 4)
        #expect(quantile([], 0.5) == nil)
    }

    @Test func requestMixFollowsSeedAndRatio() {
        var first = RequestMix(seed: 7, writeRatio: 0.25, items: 50)
        var second = RequestMix(seed: 7, writeRatio: 0.25, items: 50)
        var writes = 0
        for _ in 0..<4000 {
            let request = first.next()
            #expect(request == second.next())
            switch request {
            case .write: writes += 1
            case .read(let id): #expect((1...50).contains(id))
            }
        }
        // 4000 draws at p = 0.25: mean 1000, standard deviation √(4000·0.25·0.75) ≈ 27.4, so
        // 5 standard deviations allow 863…1137.
        #expect((863...1137).contains(writes))
    }

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/load-schedule-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
