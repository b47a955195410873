import Foundation

/// A recorded history for the replay tests: a queue-depth gauge and the replicas that
/// existed, one sample a minute for about 48 hours, with two gaps in the gauge. Every value
/// a query returns is worked out here from the samples, independently of Prometheus.
enum ReplayHistoryData {
    /// Unix seconds of the first sample.
    static let firstSample = 1_700_000_000
    static let sampleInterval = 60
    static let sampleCount = 2_900
    /// Minutes without a gauge sample: 12 minutes (stale, then empty past the 5-minute
    /// lookback) and 3 minutes (stale only, since the signal's maximum age is 2 minutes).
    static let gaugeGaps: [Range<Int>] = [600..<612, 1_500..<1_503]
    static let lookbackSeconds = 300.0
    static let maxSampleAgeSeconds = 120.0

    /// The replay range: it starts 7.5 s after a sample and steps by 13 s, so no step falls on
    /// a sample time and no sample is exactly a lookback or a maximum age before a step.
    static let replayStart = Double(firstSample) + 7.5
    static let replayStep = 13.0
    /// 400 s after the last sample, so the last steps have neither gauge nor replicas.
    static let replayEnd = Double(firstSample + (sampleCount - 1) * sampleInterval) + 400

    static func sampleTime(_ index: Int) -> Int { firstSample + index * sampleInterval }

    /// Queue depth of sample `index`: a slow wave between about 5 and 101 with a ripple.
    static func depth(_ index: Int) -> Double {
        (50 + 45 * sin(Double(index) / 40)).rounded(.down) + Double(index % 7)
    }

    /// Returns the replicas that existed at sample `index`: 2 to 6, changing every three hours.
    static func replicas(_ index: Int) -> Int { 2 + (index / 180) % 5 }

    static func hasDepth(_ index: Int) -> Bool { !gaugeGaps.contains { $0.contains(index) } }

    static let policy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: shop
            name: web
            minReplicas: 1
            maxReplicas: 20
            signals:
              - name: queue
                query: queue_depth{namespace="{{namespace}}",deployment="{{name}}"}
                target: 10
                rule: perReplica
                maxSampleAge: 2m

        """

    /// OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`. A second
    /// deployment's series must not leak into the replay of `shop/web`.
    static func openMetrics() -> String {
        var lines = ["# TYPE queue_depth gauge"]
        for index in 0..<sampleCount where hasDepth(index) {
            lines.append("queue_depth{namespace=\"shop\",deployment=\"web\"} \(depth(index)) \(sampleTime(index))")
            lines.append("queue_depth{namespace=\"shop\",deployment=\"api\"} 1000 \(sampleTime(index))")
        }
        lines.append("# TYPE kube_deployment_spec_replicas gauge")
        for index in 0..<sampleCount {
            lines.append(
                "kube_deployment_spec_replicas{namespace=\"shop\",deployment=\"web\"} \(replicas(index)) \(sampleTime(index))"
            )
            lines.append("kube_deployment_spec_replicas{namespace=\"shop\",deployment=\"api\"} 40 \(sampleTime(index))")
        }
        return lines.joined(separator: "\n") + "\n# EOF\n"
    }

    /// The newest sample at or before `time` within the lookback, as an instant query of a
    /// plain gauge selector returns it: (sample time, sample index).
    static func newestSample(at time: Double, where include: (Int) -> Bool) -> (time: Double, index: Int)? {
        let latest = Int(((time - Double(firstSample)) / Double(sampleInterval)).rounded(.down))
        var index = min(latest, sampleCount - 1)
        while index >= 0 {
            let sampleTime = Double(sampleTime(index))
            guard time - sampleTime <= lookbackSeconds else { return nil }
            if include(index) { return (sampleTime, index) }
            index -= 1
        }
        return nil
    }
}
