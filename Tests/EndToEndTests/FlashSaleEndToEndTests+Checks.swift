import Foundation
import Testing

/// The assertions of the flash-sale run. Times are wall seconds, and one cycle is
/// `FlashSalePlan.interval`.
extension EndToEndTests.FlashSaleEndToEndTests {
    /// Replicas start rising within 2 cycles of the spike being visible in Prometheus. Returns
    /// the delay in cycles.
    ///
    /// Slack: Headroom samples once per cycle, so it reads the crossing at most 1 cycle after
    /// it, and writes in the same cycle. The second cycle covers a scrape that Prometheus had
    /// not yet appended when Headroom asked, and a loaded machine. The write may precede the
    /// visible point by up to one range step, because the grid point after Headroom's query
    /// time covers the same samples, plus 10 ms for the millisecond rounding of query times.
    /// Earlier than that would be a scale-up on noise.
    static func checkRise(_ evidence: Evidence, _ history: RescaleHistory) throws -> Double {
        let visible = try #require(RescaleHistory.visibleSpike(in: evidence.points), "the signal never crossed 770/s")
        let first = try #require(history.rescales.first, "the real process never scaled")
        let cycles = (first.time - visible.time) / FlashSalePlan.interval

        // The base load of 600/s stays below 770/s; only the ramp crosses.
        #expect(visible.time >= evidence.started + FlashSalePlan.rampStartWallSeconds)
        #expect(first.replicas > FlashSalePlan.minReplicas)
        #expect(cycles >= -(step + 0.01), "first scale-up \(cycles) cycles after the visible spike")
        #expect(cycles <= 2, "first scale-up \(cycles) cycles after the visible spike")
        return cycles
    }

    /// spec.replicas never exceeds maxReplicas, and the peak reaches it (24 000/s proposes 69).
    /// Returns the peak.
    static func checkCap(_ evidence: Evidence, _ history: RescaleHistory) -> Int {
        let peak = evidence.timeline.map(\.desired).max() ?? 0
        #expect(evidence.timeline.count > 600, "timeline has \(evidence.timeline.count) ticks")
        #expect(evidence.timeline.allSatisfy { $0.desired <= FlashSalePlan.maxReplicas })
        #expect(history.rescales.allSatisfy { $0.replicas <= FlashSalePlan.maxReplicas })
        #expect(peak == FlashSalePlan.expectedPeak)
        #expect(history.rescales.map(\.replicas).max() == FlashSalePlan.expectedPeak)
        return peak
    }

    /// Replicas return to minReplicas within the scale-down window plus 3 cycles after the load
    /// falls. Returns the delay in seconds.
    ///
    /// Slack: Headroom's last recommendation above the floor comes from its last cycle before
    /// the fall, at most 1 cycle before it. The window keeps it for 30 s, and the first cycle
    /// after that writes the floor (1 cycle). One more cycle covers scrape lag and a loaded
    /// machine. The lower bound (window minus 2 cycles) shows the window held the count.
    static func checkFloor(_ evidence: Evidence, _ history: RescaleHistory) throws -> Double {
        let fall = try #require(RescaleHistory.fall(in: evidence.points), "the signal never fell to 700/s")
        let floor = try #require(history.rescales.last)
        let delay = floor.time - fall.time
        let window = FlashSalePlan.scaleDownWindow

        #expect(floor.replicas == FlashSalePlan.minReplicas)
        #expect(delay <= window + 3 * FlashSalePlan.interval, "floor \(delay) s after the fall")
        #expect(delay >= window - 2 * FlashSalePlan.interval, "floor \(delay) s after the fall")
        // After the peak the count only steps down.
        let peakIndex = history.rescales.firstIndex { $0.replicas == FlashSalePlan.expectedPeak } ?? 0
        let descent = history.rescales[peakIndex...].map(\.replicas)
        #expect(zip(descent, descent.dropFirst()).allSatisfy { $0 > $1 }, "descent \(descent)")
        #expect(evidence.timeline.last?.desired == FlashSalePlan.minReplicas)
        return delay
    }

    /// Checks that every rescale has its SuccessfulRescale Event with "New size: N". The
    /// recorder may fold repeats of one message into `count`, so the counts are summed per size.
    static func checkEvents(_ evidence: Evidence, _ history: RescaleHistory) {
        var eventsBySize: [Int: Int] = [:]
        for event in evidence.events where event["reason"] as? String == "SuccessfulRescale" {
            let involved = event["involvedObject"] as? [String: Any]
            #expect(involved?["kind"] as? String == "Deployment")
            #expect(involved?["name"] as? String == FlashSalePlan.deployment)
            let message = event["message"] as? String ?? ""
            let size = message.split(separator: ";").first.flatMap { Int($0.dropFirst("New size: ".count)) }
            guard let size, message.hasPrefix("New size: ") else {
                Issue.record("SuccessfulRescale message without its size: \(message)")
                continue
            }
            eventsBySize[size, default: 0] += event["count"] as? Int ?? 1
        }
        var writesBySize: [Int: Int] = [:]
        for rescale in history.rescales { writesBySize[rescale.replicas, default: 0] += 1 }
        #expect(!writesBySize.isEmpty)
        #expect(eventsBySize == writesBySize)
    }

    /// Checks that the dry run writes nothing and decides as the real run does: hold at the floor before
    /// the spike, and the same first scale-up from 2.
    ///
    /// Slack of 2 replicas on the first scale-up: each process acts on its first sample after
    /// the crossing, and the two sample at most 1 cycle apart. The 5 s rate exceeds the base by
    /// 390 × t² per s² in the first seconds of the ramp (3 900/s² ramp averaged over 5 s), so it
    /// crosses 770/s at t ≈ 0.66 s and is at most 600 + 390 × 1.66² ≈ 1 675/s one cycle later:
    /// proposals from ceil(771 / 350) = 3 to ceil(1 675 / 350) = 5.
    ///
    /// Returns the dry run's first decision from 2 and the real one's, for the report.
    static func checkDryRun(_ evidence: Evidence, _ history: RescaleHistory) throws -> String {
        let dryRun = FlashSalePlan.dryRunIdentity
        let writes = evidence.audit.filter { $0.identity == dryRun && $0.method != "GET" }
        #expect(writes.isEmpty, "dry-run writes: \(writes.map { "\($0.method) \($0.path)" })")
        #expect(evidence.audit.contains { $0.identity == dryRun && $0.method == "GET" })

        let visible = try #require(RescaleHistory.visibleSpike(in: evidence.points))
        for (name, cycles) in [("real", evidence.real), ("dry run", evidence.dryRun)] {
            let before = cycles.filter { $0.time < visible.time - step }
            #expect(before.count >= 3, "\(name): \(before.count) cycles before the spike")
            let holds = before.filter { $0.message == "holding" && $0.current == 2 && $0.desired == 2 }
            #expect(holds.count == before.count, "\(name) before the spike: \(before)")
        }

        let threshold = FlashSalePlan.scaleUpThreshold(current: FlashSalePlan.minReplicas)
        let real = try #require(evidence.real.first { $0.isScaleUp })
        let realValue = try #require(real.value)
        #expect(real.message == "scaled")
        #expect(real.current == FlashSalePlan.minReplicas)
        #expect(realValue > threshold)
        #expect(real.desired == min(FlashSalePlan.proposal(rate: realValue), FlashSalePlan.firstStepCap))
        #expect(history.rescales.first?.replicas == real.desired)

        let hot = try #require(evidence.dryRun.first { ($0.value ?? 0) > threshold })
        let fromFloor = min(FlashSalePlan.proposal(rate: hot.value ?? 0), FlashSalePlan.firstStepCap)
        #expect(abs(fromFloor - real.desired) <= 2, "dry run \(fromFloor), real \(real.desired)")
        #expect(abs(hot.time - real.time) < FlashSalePlan.interval + 0.5)
        if hot.current == FlashSalePlan.minReplicas {
            #expect(hot.message == "dry run: would scale")
            #expect(hot.desired == fromFloor)
            let line = "dry run: would scale \(FlashSalePlan.target) from 2 to \(fromFloor) (ScaledUp)\n"
            #expect(evidence.dryRunStdout.hasPrefix(line), "stdout: \(evidence.dryRunStdout.prefix(300))")
        } else {
            // The real process wrote between the dry run's query and its read, so the dry run read
            // the new count.
            #expect(hot.current == real.desired)
        }
        let source = hot.current == FlashSalePlan.minReplicas ? "logged" : "from its value; it read \(hot.current)"
        return "first scale-up from 2: real to \(real.desired), dry run to \(fromFloor) (\(source))"
    }

    /// Checks that kubectl agrees with the API: Deployment READY, pod READY against Ready conditions, and
    /// the SuccessfulRescale Events listed by reason.
    static func checkKubectl(_ findings: KubectlFindings) {
        let deployment = findings.deployment
        #expect(deployment != nil, "the Deployment's status changed during every kubectl attempt")
        #expect(deployment?.kubectl == deployment?.api)
        #expect(deployment?.api == "\(FlashSalePlan.expectedPeak)/\(FlashSalePlan.expectedPeak)")

        #expect(findings.pods.header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
        #expect(findings.pods.mismatches.isEmpty, "\(findings.pods.mismatches)")
        #expect(findings.pods.matched["1/1", default: 0] > 0, "\(findings.pods.matched)")
        #expect(findings.pods.matched["0/1", default: 0] > 0, "\(findings.pods.matched)")

        let (before, after) = findings.rescaleEventsInAPI
        #expect(before > 0)
        if before == after { #expect(findings.rescaleRows.count == before) }
        for row in findings.rescaleRows {
            let text = row.joined(separator: " ")
            #expect(text.contains("deployment/api"), "row: \(text)")
            #expect(text.contains("New size:"), "row: \(text)")
        }
    }
}
