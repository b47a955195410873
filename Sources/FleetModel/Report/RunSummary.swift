import Foundation

/// A change of `spec.replicas` in a run.
public struct ScaleEvent: Sendable, Equatable {
    public var time: Double
    public var from: Int
    public var to: Int

    public init(time: Double, from: Int, to: Int) {
        self.time = time
        self.from = from
        self.to = to
    }
}

/// The figures a run is judged by, computed from its timeline.
public struct RunSummary: Sendable, Equatable {
    public var duration: Double
    public var peakArrivals: Double
    public var peakDesiredReplicas: Int
    public var peakReadyPods: Int
    /// Replica-minutes: ready and starting pods integrated over time, the cost of the run.
    public var replicaMinutes: Double
    /// Every change of `spec.replicas`.
    public var scaleEvents: [ScaleEvent]
    /// The spike: the first stretch whose 5-minute mean load is above `spikeFactor` × the
    /// baseline, from the foot of its rise to the last second above that level before 5 quiet
    /// minutes. Nil when the load never was.
    public var spike: ClosedRange<Double>?
    /// Seconds from the spike's start to the first scale-up at or after it.
    public var spikeToFirstScaleUp: Double?
    /// Seconds from the spike's start until ready pods could carry the spike's peak at the given
    /// per-pod rate; nil when they never could.
    public var spikeToEnoughReady: Double?
    /// Seconds with a tick p99 above the objective.
    public var secondsAboveObjective: Double
    /// p99 latency of the requests inside the spike, from the merged latency counts when the
    /// timeline has them, else the 99th percentile of the ticks' p99s weighted by requests (an
    /// upper estimate); nil without a spike.
    public var spikeP99: Double?
    public var spikeServerErrors: Double
    public var totalServerErrors: Double
    public var totalRequests: Double
    public var peakDatabaseConnections: Double

    /// Summarises `records`.
    ///
    /// - Parameters:
    ///   - baselineSeconds: the first seconds of the run whose median load is the baseline.
    ///   - spikeFactor: how many times the baseline counts as a spike.
    ///   - objective: the p99 latency objective, seconds.
    ///   - perPodRate: requests per second one ready pod carries at its target.
    public init(
        records: [TimelineRecord],
        baselineSeconds: Double = 600,
        spikeFactor: Double = 4,
        objective: Double = 0.5,
        perPodRate: Double = 35
    ) {
        duration = records.last?.time ?? 0
        peakArrivals = records.map(\.arrivals).max() ?? 0
        peakDesiredReplicas = records.map(\.desiredReplicas).max() ?? 0
        peakReadyPods = records.map(\.readyPods).max() ?? 0
        peakDatabaseConnections = records.map(\.databaseConnections).max() ?? 0
        totalServerErrors = records.reduce(0) { $0 + $1.serverErrors }
        totalRequests = records.reduce(0) { $0 + $1.ok + $1.serverErrors }

        var minutes = 0.0
        var events: [ScaleEvent] = []
        var aboveObjective = 0.0
        for (index, record) in records.enumerated() {
            let step = index == 0 ? record.time : record.time - records[index - 1].time
            minutes += Double(record.readyPods + record.startingPods) * step / 60
            if let p99 = record.p99Latency, p99 > objective { aboveObjective += step }
            if index > 0, record.desiredReplicas != records[index - 1].desiredReplicas {
                events.append(
                    ScaleEvent(time: record.time, from: records[index - 1].desiredReplicas, to: record.desiredReplicas)
                )
            }
        }
        replicaMinutes = minutes
        scaleEvents = events
        secondsAboveObjective = aboveObjective

        // Baseline: median of per-second load over the first `baselineSeconds`.
        let early = records.filter { $0.time <= baselineSeconds }.map(\.arrivals).sorted()
        let baseline = early.isEmpty ? 0 : early[early.count / 2]
        spike = Self.findSpike(records, threshold: baseline * spikeFactor)
        if let spike {
            spikeToFirstScaleUp = events.first { $0.time >= spike.lowerBound && $0.to > $0.from }
                .map { $0.time - spike.lowerBound }
            let inside = records.filter { spike.contains($0.time) }
            let peak = inside.map(\.arrivals).max() ?? 0
            let needed = Int((peak / perPodRate).rounded(.up))
            spikeToEnoughReady = inside.first { $0.readyPods >= needed }.map { $0.time - spike.lowerBound }
            spikeServerErrors = inside.reduce(0) { $0 + $1.serverErrors }
            spikeP99 = Self.mergedQuantile(inside, 0.99) ?? Self.weightedQuantile(inside, 0.99)
        } else {
            spikeToFirstScaleUp = nil
            spikeToEnoughReady = nil
            spikeServerErrors = 0
            spikeP99 = nil
        }
    }

    /// Finds the first stretch whose 5-minute mean load is above `threshold`. It starts at the first
    /// second above half the threshold after the last second at or below it before the
    /// crossing, so a slow ramp counts from its foot. It ends at the last second above the
    /// threshold before the load stays at or below it for 5 minutes, so a later crowd is a
    /// separate event. A blip of a minute or two does not move a 5-minute mean past the
    /// threshold.
    static func findSpike(_ records: [TimelineRecord], threshold: Double) -> ClosedRange<Double>? {
        let width = 300
        guard threshold > 0, records.count >= width else { return nil }
        var window = records.prefix(width).reduce(0) { $0 + $1.arrivals }
        var crossing: Int?
        for end in (width - 1)..<records.count {
            if end > width - 1 { window += records[end].arrivals - records[end - width].arrivals }
            if window / Double(width) > threshold {
                crossing = records[(end - width + 1)...end].firstIndex { $0.arrivals > threshold } ?? (end - width + 1)
                break
            }
        }
        guard let crossing else { return nil }
        var startIndex = crossing
        while startIndex > 0, records[startIndex - 1].arrivals > threshold / 2 {
            startIndex -= 1
        }
        var endIndex = crossing
        for index in crossing..<records.count {
            if records[index].arrivals > threshold {
                endIndex = index
            } else if index - endIndex >= width {
                break
            }
        }
        return records[startIndex].time...records[endIndex].time
    }

    /// Returns the `q` quantile of the requests of `records`, when every record carries its counts.
    static func mergedQuantile(_ records: [TimelineRecord], _ q: Double) -> Double? {
        var merged = LatencyHistogram()
        for record in records {
            guard let counts = record.latencyCounts, counts.count == LatencyHistogram.bounds.count + 1 else {
                return nil
            }
            merged.add(counts: counts)
        }
        return merged.quantile(q)
    }

    /// Returns the `q` quantile of the ticks' p99s, each tick weighted by its requests.
    static func weightedQuantile(_ records: [TimelineRecord], _ q: Double) -> Double? {
        let items = records.compactMap { record in record.p99Latency.map { ($0, record.ok + record.serverErrors) } }
            .sorted { $0.0 < $1.0 }
        let total = items.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return nil }
        var running = 0.0
        for item in items {
            running += item.1
            if running >= q * total { return item.0 }
        }
        return items.last?.0
    }
}
