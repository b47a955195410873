import Foundation
import Testing

@testable import FleetModel

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The run summary and plot on a synthetic timeline whose figures are worked out by hand.
@Suite struct RunReportTests {
    /// 1,200 s: 10 requests/s, except 100/s in seconds 701–900. Desired goes 2 → 4 at 710 and
    /// back at 1,000; ready pods follow at 730 and 1,000. p99 is 0.8 s in seconds 701–720,
    /// else 0.1 s; 5 errors per second in 701–710.
    static func timeline() -> [TimelineRecord] {
        (1...1200).map { second in
            let time = Double(second)
            let spike = (701...900).contains(second)
            let desired = (710..<1000).contains(second) ? 4 : 2
            let ready = (730..<1000).contains(second) ? 4 : 2
            let errors = (701...710).contains(second) ? 5.0 : 0
            let arrivals = spike ? 100.0 : 10
            return TimelineRecord(
                time: time,
                arrivals: arrivals,
                desiredReplicas: desired,
                readyPods: ready,
                startingPods: desired - ready > 0 ? desired - ready : 0,
                pendingPods: 0,
                terminatingPods: 0,
                p99Latency: (701...720).contains(second) ? 0.8 : 0.1,
                meanLatency: 0.05,
                ok: arrivals - errors,
                serverErrors: errors,
                databaseConnections: Double(ready * 2),
                queueDepth: 0
            )
        }
    }

    @Test func summaryFiguresMatchHandCount() {
        let summary = RunSummary(records: Self.timeline())
        // Baseline median 10, threshold 40. A 180 s window's mean passes 40 once it holds more
        // than 60 spike seconds, at 761. The first second above 40 in it is 701, and 700 is at
        // 10, below half the threshold, so the spike starts at 701.
        #expect(summary.spike == 701...900)
        #expect(summary.spikeToFirstScaleUp == 9)
        // Peak 100/s at 35 per pod needs 3 pods; 4 are ready at 730.
        #expect(summary.spikeToEnoughReady == 29)
        #expect(
            summary.scaleEvents.map { [$0.time, Double($0.from), Double($0.to)] } == [[710, 2, 4], [1000, 4, 2]]
        )
        #expect(summary.secondsAboveObjective == 20)
        #expect(summary.spikeServerErrors == 50)
        #expect(summary.totalServerErrors == 50)
        #expect(summary.peakDesiredReplicas == 4)
        // Pods (ready + starting) are 2 outside 710–999 and 4 inside: (910 × 2 + 290 × 4) / 60.
        #expect(abs(summary.replicaMinutes - (910.0 * 2 + 290 * 4) / 60) < 1e-9)
        // Without counts, the spike p99 is the weighted 99th percentile of tick p99s: 20 of 200
        // seconds (10 % of requests, all seconds carry 100) are at 0.8 s.
        #expect(summary.spikeP99 == 0.8)
    }

    @Test func plotIsWellFormedSVGWithOneMarkPerScaleEvent() throws {
        let plot = TimelinePlot(title: "test <run>") { String(Int($0)) }
        let svg = plot.render(Self.timeline())
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "SVG does not parse: \(String(describing: parser.parserError))")
        #expect(svg.contains("test &lt;run&gt;"))
        // Scale marks are the short red lines on the replica panel.
        let marks = svg.components(separatedBy: "stroke=\"#d62728\" stroke-width=\"1\"").count - 1
        #expect(marks == 2)
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 5)
    }

    /// A one-minute blip at 9× the baseline is not a spike; a rise that ramps over three
    /// minutes to 40× starts at the foot of the ramp.
    @Test func spikeIgnoresBlipAndStartsAtFootOfRamp() {
        func record(_ second: Int, _ arrivals: Double) -> TimelineRecord {
            TimelineRecord(
                time: Double(second),
                arrivals: arrivals,
                desiredReplicas: 2,
                readyPods: 2,
                startingPods: 0,
                pendingPods: 0,
                terminatingPods: 0,
                p99Latency: nil,
                meanLatency: nil,
                ok: arrivals,
                serverErrors: 0,
                databaseConnections: 0,
                queueDepth: 0
            )
        }
        let records = (1...2400).map { second -> TimelineRecord in
            switch second {
            case 1201...1260: return record(second, 90)
            case 1501...1680: return record(second, 10 + 390 * Double(second - 1500) / 180)
            case 1681...1900: return record(second, 400)
            default: return record(second, 10)
            }
        }
        let spike = RunSummary(records: records).spike
        // The ramp passes 20 (half of 4 × 10) at 1505 (10 + 390 × 5 / 180 = 20.8); 1504 is at
        // 18.7, so the spike starts there, and it ends at 1900, the last second above 40.
        #expect(spike == 1505...1900)
    }

    @Test func niceCeilingRoundsUpToOneTwoFive() {
        #expect(TimelinePlot.niceCeiling(7) == 10)
        #expect(TimelinePlot.niceCeiling(2100) == 2500)
        #expect(TimelinePlot.niceCeiling(0.3) == 0.5)
        #expect(TimelinePlot.niceCeiling(40) == 50)
    }
}
