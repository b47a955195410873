import Autoscaler
import FleetModel
import MetricsClient
import Testing

@testable import Simulator

/// The gauge presets: the newest scrape within the lookback, its age, and staleness.
struct GaugeSignalTests {
    static func policy(_ preset: SignalPreset, maxAge: Double = 120) -> SignalPolicy {
        SignalPolicy(
            name: preset.name,
            preset: preset.name,
            query: preset.query,
            labels: preset.labels,
            target: SignalTarget(dimension: .count, baseValue: 2, text: "2"),
            rule: .perReplica,
            maxSampleAgeSeconds: maxAge
        )
    }

    /// Runs 2 pods past saturation for 20 s and scrapes them at 20 s.
    static func scraped(_ parameters: FleetParameters) -> (VirtualPrometheus, FleetSnapshot) {
        var fleet = Fleet(parameters: parameters, replicas: 2, cold: false, seed: 1)
        for _ in 0..<20 { fleet.advance(arrivals: 400) }
        var prometheus = VirtualPrometheus(pipelineLag: 5)
        prometheus.scrape(fleet.snapshot, at: 20)
        return (prometheus, fleet.snapshot)
    }

    @Test func backendQueueIsNewestScrapeWithAge() throws {
        let (prometheus, snapshot) = Self.scraped(.directusPgBouncer)
        let signal = try SimulatedSignal(Self.policy(.haproxyBackendQueue))
        // Requests waiting beyond the event loop, summed over the pods that still serve.
        let queue = snapshot.pods.reduce(0) { $0 + $1.queueDepth }
        #expect(queue > 0)

        // The sample is visible from 25 s after the 5 s pipeline lag, and at 40 s it is 20 s old.
        let before = SimulatedSignalSource.outcome(
            signal,
            policy: Self.policy(.haproxyBackendQueue),
            prometheus: prometheus,
            at: 24
        )
        #expect(before == .empty)
        let outcome = SimulatedSignalSource.outcome(
            signal,
            policy: Self.policy(.haproxyBackendQueue),
            prometheus: prometheus,
            at: 40
        )
        #expect(outcome == .value(queue, age: .seconds(20)))
    }

    @Test func waitingClientsStaleOrMissing() throws {
        let (prometheus, snapshot) = Self.scraped(.directusPgBouncer)
        let strict = Self.policy(.pgbouncerWaitingClients, maxAge: 10)
        let signal = try SimulatedSignal(strict)
        let waiting = try #require(snapshot.pgbouncer?.clientWaiting)
        // 30 s old against a 10 s maximum age.
        let outcome = SimulatedSignalSource.outcome(signal, policy: strict, prometheus: prometheus, at: 50)
        #expect(outcome == .stale(waiting, age: .seconds(30), maxAge: .seconds(10)))
        // Past Prometheus' 5-minute lookback the gauge has no sample at all.
        #expect(SimulatedSignalSource.outcome(signal, policy: strict, prometheus: prometheus, at: 321) == .empty)

        // Without PgBouncer there is no exporter, so no series.
        let (direct, _) = Self.scraped(.directusDirect)
        #expect(SimulatedSignalSource.outcome(signal, policy: strict, prometheus: direct, at: 40) == .empty)
    }
}
