import Foundation
import MetricsClient
import Testing

@testable import HeadroomCLI

/// `headroom replay` option errors and the chunking of long ranges, without a server.
struct ReplayOptionsTests {
    struct BadFlag: Sendable, CustomTestStringConvertible {
        let name: String
        let arguments: [String]
        let message: String
        var testDescription: String { name }
    }

    static let base = ["--policy", "p.yaml", "--start", "1700000000", "--end", "1700003600"]

    static let badFlags: [BadFlag] = [
        BadFlag(
            name: "step of zero",
            arguments: base + ["--step", "0s"],
            message: "'--step' needs a duration from 1s to 24h, such as 15s; got '0s'"
        ),
        BadFlag(
            name: "unparsable start",
            arguments: ["--policy", "p.yaml", "--start", "yesterday", "--end", "1700003600"],
            message: "'--start' needs an RFC 3339 time such as 2024-05-01T10:00:00Z or Unix seconds; got 'yesterday'"
        ),
        BadFlag(
            name: "end before start",
            arguments: ["--policy", "p.yaml", "--start", "1700003600", "--end", "2023-11-14T22:13:20Z"],
            message: "'--end' must be after '--start'; swap them or widen the range"
        ),
        BadFlag(
            name: "missing end",
            arguments: ["--policy", "p.yaml", "--start", "1700000000"],
            message: "missing '--end'"
        ),
        BadFlag(
            name: "file URL",
            arguments: base + ["--prometheus", "file:///tmp"],
            message: "'--prometheus' needs an http:// or https:// URL; got 'file:///tmp'"
        ),
        BadFlag(
            // 100 days at 1 s is 8,640,000 steps.
            name: "too many steps",
            arguments: ["--policy", "p.yaml", "--start", "0", "--end", "8640000", "--step", "1s"],
            message: "'--start' to '--end' is 8640000 steps of 1s, more than 2000000; "
                + "use a larger '--step' or a shorter range"
        ),
    ]

    @Test(arguments: badFlags) func badFlagExitsTwoNamingFlagValueAndFix(_ bad: BadFlag) async {
        let captured = CapturedOutput()

        let status = await HeadroomCommandLine.dispatch(["replay"] + bad.arguments, output: captured.output)

        #expect(status == .usage)
        #expect(captured.standardError.hasPrefix("headroom replay: \(bad.message)\nUsage: headroom replay "))
    }

    @Test func rfc3339AndUnixSecondsReadTheSameTime() throws {
        // 2023-11-14T22:13:20Z is Unix 1,700,000,000.
        let options = try ReplayOptions.parse([
            "--policy", "p.yaml", "--start", "2023-11-14T22:13:20.250Z", "--end", "1700000100.5", "--step", "1m30s",
        ]).get()

        #expect(options.start == Date(timeIntervalSince1970: 1_700_000_000.25))
        #expect(options.end == Date(timeIntervalSince1970: 1_700_000_100.5))
        #expect(options.stepSeconds == 90)
    }

    @Test func chunksMeetOnStepBoundariesWithNoStepTwiceOrMissing() {
        // 25,001 steps of 15 s: 11,000 + 11,000 + 3,001.
        let grid = RangeGrid(startMilliseconds: 1_000_500, stepMilliseconds: 15_000, count: 25_001)

        let chunks = grid.chunks()

        #expect(chunks.map(\.grid.count) == [11_000, 11_000, 3_001])
        #expect(chunks.map(\.offset) == [0, 11_000, 22_000])
        #expect(chunks.map(\.grid.startMilliseconds) == [1_000_500, 1_000_500 + 165_000_000, 1_000_500 + 330_000_000])
        // Each query spans count - 1 steps, below the 11,000 limit.
        #expect(chunks.allSatisfy { $0.grid.count - 1 < 11_000 })
        #expect(chunks.last?.grid.end == grid.end)
    }

    @Test func gridEndsAtTheLastStepNotAfterEnd() throws {
        // From 0 to 100 s at 13 s: 0, 13, ..., 91 is 8 steps.
        let grid = try #require(
            RangeGrid(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 100), step: .seconds(13))
        )

        #expect(grid.count == 8)
        #expect(grid.end == Date(timeIntervalSince1970: 91))
        #expect(grid.index(of: 39) == 3)
        #expect(grid.index(of: 40) == nil)
    }
}
