import Autoscaler
import FleetModel
import MetricsClient
import Testing

@testable import Simulator

/// The panic signal is the rate signal's query over a short range. The virtual Prometheus must
/// evaluate it like Prometheus: a rate from two or more samples, and no series with fewer.
@Suite struct PanicWindowTests {
    /// Arrivals of tick k, 10 + (k mod 7) requests: a load that changes every second.
    static func arrivals(_ tick: Int) -> Double { Double(10 + tick % 7) }

    /// Two warm pods serve every arrival in its own tick (at most 8 a pod against 50 a second),
    /// so the request counter scraped at second t is the sum of arrivals of ticks 0 to t − 1.
    /// Scrapes at 0, 15, 30, 45 and 60 s, each before that second's tick, as a run does.
    static func scraped() -> VirtualPrometheus {
        var fleet = Fleet(parameters: .directusPgBouncer, replicas: 2, cold: false, seed: 1)
        var prometheus = VirtualPrometheus()
        for tick in 0...60 {
            if tick % 15 == 0 { prometheus.scrape(fleet.snapshot, at: Double(tick)) }
            fleet.advance(arrivals: arrivals(tick))
        }
        return prometheus
    }

    static func counter(at second: Int) -> Double { (0..<second).reduce(0) { $0 + arrivals($1) } }

    /// Returns the request-rate preset with its range replaced by `range`, as the loader derives
    /// the panic signal `requestRate@panic`.
    static func panicSignal(_ range: String) throws -> SignalPolicy {
        let preset = try #require(SignalPreset.named("ingressNginxRequestRate"))
        #expect(preset.query.contains("[1m]"))
        return SignalPolicy(
            name: PanicPolicy.signalName(for: "requestRate"),
            preset: preset.name,
            query: preset.query.replacingOccurrences(of: "[1m]", with: "[\(range)]"),
            labels: preset.labels,
            target: SignalTarget(dimension: .count, baseValue: 35, text: "35"),
            rule: .perReplica,
            role: .panic
        )
    }

    static func outcome(_ range: String, at time: Double) throws -> SampleOutcome {
        let policy = try panicSignal(range)
        return SimulatedSignalSource.outcome(
            try SimulatedSignal(policy),
            policy: policy,
            prometheus: scraped(),
            at: time
        )
    }

    @Test func panicQueryKeepsItsShortRange() throws {
        #expect(try SimulatedSignal(Self.panicSignal("30s")) == .requestRate(range: 30))
        #expect(try SimulatedSignal(Self.panicSignal("6s")) == .requestRate(range: 6))
    }

    /// At 60 s the range [30, 60] holds the scrapes at 30, 45 and 60, both edges on a sample:
    /// no extrapolation, so the rate is the 30 arrivals' sum over 30 s.
    @Test func thirtySecondRateOnScrapes() throws {
        let sum = (30..<60).reduce(0.0) { $0 + Self.arrivals($1) }
        #expect(sum == Self.counter(at: 60) - Self.counter(at: 30))
        let value = try #require(try Self.outcome("30s", at: 60).finiteValue)
        #expect(abs(value - sum / 30) < 1e-9 * sum / 30)
    }

    /// At 52 s the range [22, 52] holds the scrapes at 30 and 45. Both gaps to the edges (8 s and
    /// 7 s) are below 1.1 × 15 s, so the 15 s of increase extrapolates to the whole 30 s: the
    /// rate is the increase over 15 s.
    @Test func thirtySecondRateBetweenScrapes() throws {
        let increase = (30..<45).reduce(0.0) { $0 + Self.arrivals($1) }
        let value = try #require(try Self.outcome("30s", at: 52).finiteValue)
        #expect(abs(value - increase / 15) < 1e-9 * increase / 15)
        #expect(try Self.outcome("30s", at: 52) == .value(value, age: .seconds(7)))
    }

    /// A range shorter than one scrape interval never contains two samples. A range between one
    /// and two intervals contains two only at evaluation times where it spans two scrapes.
    @Test func shortRangesHaveNoSeries() throws {
        for time in [45.0, 52, 59, 60] {
            #expect(try Self.outcome("10s", at: time) == .empty, "10 s range at \(time) s")
        }
        // [40, 60] contains 45 and 60, but [32, 52] contains only 45.
        #expect(try Self.outcome("20s", at: 60).finiteValue != nil)
        #expect(try Self.outcome("20s", at: 52) == .empty)
        // Two intervals always contain two samples, wherever the evaluation falls.
        for time in stride(from: 30.0, through: 60, by: 1) {
            #expect(try Self.outcome("30s", at: time).finiteValue != nil, "30 s range at \(time) s")
        }
    }

    static let panicPolicy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: shop
            name: api
            minReplicas: 2
            maxReplicas: 100
            panic:
              signal: ingressNginxRequestRate
            signals:
              - preset: ingressNginxRequestRate
        """

    /// The loader's panic signal, with its default window of two 15 s scrape intervals, read by
    /// the simulated loop. The ingress series appears at the first scrape with a request (15 s),
    /// so the 30 s window has no series at the cycles at 0 and 15 s and has one from 30 s on.
    @Test func loopReadsTheLoadersPanicSignal() async throws {
        let target = try #require(try PolicyLoader.load(text: Self.panicPolicy, file: "test.yaml").targets.first)
        let panic = try #require(target.signals.first { $0.role == .panic })
        #expect(panic.name == "ingressNginxRequestRate@panic")
        #expect(try SimulatedSignal(panic) == .requestRate(range: 30))

        let runner = SimulationRunner(scenario: SimulationScenarios.smokeScenario, duration: 90)
        let world = runner.makeWorld(seed: 1, keepsJournal: true)
        _ = try await runner.runHeadroom(target, seed: 1, world: world)
        let outcomes = world.journal.map { ($0.time, $0.outcomes[panic.name]) }
        #expect(outcomes.map(\.0) == [0, 15, 30, 45, 60, 75])
        for (time, outcome) in outcomes {
            if time < 30 {
                #expect(outcome == .empty, "cycle at \(time) s")
            } else {
                #expect(outcome?.finiteValue != nil, "cycle at \(time) s")
            }
        }
    }
}
