import Foundation
import FoundationXML
import Testing

@testable import FleetModel

/// Failing tests for run summary and timeline plot defects, on timelines made by hand.
@Suite struct RunSummaryDefectTests {
    /// Returns one record per second from 1 to `rates.count`, with 2 replicas desired and Ready.
    static func timeline(_ rates: [Double]) -> [TimelineRecord] {
        rates.enumerated().map { index, rate in
            TimelineRecord(
                time: Double(index + 1),
                arrivals: rate,
                desiredReplicas: 2,
                readyPods: 2,
                startingPods: 0,
                pendingPods: 0,
                terminatingPods: 0,
                p99Latency: 0.1,
                meanLatency: 0.05,
                ok: rate,
                serverErrors: 0,
                databaseConnections: 4,
                queueDepth: 0
            )
        }
    }

    static func constant(_ rate: Double, _ seconds: Int) -> [Double] { Array(repeating: rate, count: seconds) }

    /// Checks that the spike ends with its own stretch. The load is 600 s at 10/s, 300 s at
    /// 100/s, 600 s at 10/s, 300 s at 100/s and 300 s at 10/s. The threshold is 4 × 10 = 40/s,
    /// and the first stretch above it ends at second 900.
    ///
    /// Actual: 1,800, because `findSpike` takes the last second above the threshold in the
    /// whole rest of the run, so the second crowd and the quiet time between join the spike.
    @Test func spikeEndsWithFirstStretch() {
        let rates =
            Self.constant(10, 600) + Self.constant(100, 300) + Self.constant(10, 600)
            + Self.constant(100, 300) + Self.constant(10, 300)

        let summary = RunSummary(records: Self.timeline(rates))

        #expect(summary.spike?.upperBound == 900)
    }

    /// Checks that the spike starts at the first second above half the threshold after the
    /// last second at or below it. After 600 s at 10/s the load rises 15, 30, 45, and so on.
    /// Half of 40/s is 20/s: second 601 (15/s) is the last at or below it, so the spike starts
    /// at 602 (30/s). The documentation had said 601; it now states this rule.
    @Test func spikeStartsAtRiseFoot() {
        let rates = Self.constant(10, 600) + [15, 30, 45, 60, 75, 90] + Self.constant(100, 300)

        let summary = RunSummary(records: Self.timeline(rates))

        #expect(summary.spike?.lowerBound == 602)
    }

    /// Checks that summaries whose peak Ready pods differ (2 and 5) are not equal.
    ///
    /// Actual: equal, because `RunSummary.==` compares only the duration, peak load, scale
    /// events and total 5xx.
    @Test func differentSummariesAreNotEqual() {
        let base = Self.timeline(Self.constant(10, 60))
        var other = base
        other[30].readyPods = 5

        let left = RunSummary(records: base)
        let right = RunSummary(records: other)

        #expect(left.peakReadyPods == 2)
        #expect(right.peakReadyPods == 5)
        #expect(left != right)
    }

    /// Checks that a title with ESC (U+001B), as pasted from a terminal, still gives well-formed
    /// XML. XML 1.0 forbids that character even as a character reference.
    ///
    /// Actual: XMLParser rejects the document, because `TimelinePlot.escape` replaces only
    /// `&`, `<` and `>`.
    @Test func controlCharacterTitleIsWellFormed() {
        let plot = TimelinePlot(title: "run \u{1B}[1mflash-sale\u{1B}[0m", timeLabel: { String(format: "%.0f", $0) })
        let svg = plot.render(Self.timeline(Self.constant(10, 30)))

        let parser = XMLParser(data: Data(svg.utf8))

        #expect(parser.parse(), "\(String(describing: parser.parserError))")
    }
}
