import Autoscaler
import Foundation
import MetricsClient

/// Evaluates the control loop's signal reads from the virtual Prometheus, as the Prometheus
/// signal source would from a real one: the same outcomes for empty, non-finite, negative and
/// stale results, and the age of the newest raw sample.
///
/// The loop reads the databases' queries in the same batch, as pseudo-targets in namespace
/// `@databases` (`DatabasePolicy.queryTarget`). The source checks them at setup, as it checks
/// the targets' signals.
public struct SimulatedSignalSource: SignalSource {
    public let world: SimulationWorld
    /// Each signal's meaning by target identity and signal name, checked once at setup.
    let signals: [String: [String: SimulatedSignal]]

    /// Fails with the first signal of `targets`, or database query of `databases`, that the
    /// simulator cannot evaluate.
    public init(
        world: SimulationWorld,
        targets: [TargetPolicy],
        databases: [DatabasePolicy] = []
    ) throws(SimulationError) {
        self.world = world
        var signals: [String: [String: SimulatedSignal]] = [:]
        for target in targets {
            for signal in target.signals {
                signals[target.identity, default: [:]][signal.name] = try SimulatedSignal(signal)
            }
        }
        for database in databases {
            guard let target = database.queryTarget else { continue }
            for signal in target.signals {
                do {
                    signals[target.identity, default: [:]][signal.name] = try SimulatedSignal(signal)
                } catch {
                    throw .unsupportedDatabaseQuery(database: database.name, reading: signal.name, query: signal.query)
                }
            }
        }
        self.signals = signals
    }

    public func outcomes(for targets: [TargetPolicy], at time: Date) async -> [String: [String: SampleOutcome]] {
        let now = world.modelTime(time)
        return world.state.withLock { state in
            let prometheus = state.prometheus
            var result: [String: [String: SampleOutcome]] = [:]
            var databaseOutcomes: [String: [String: SampleOutcome]] = [:]
            for target in targets {
                var outcomes: [String: SampleOutcome] = [:]
                for signal in target.signals {
                    guard let meaning = signals[target.identity]?[signal.name] else {
                        outcomes[signal.name] = .failed(reason: "signal \(signal.name) was not checked at setup")
                        continue
                    }
                    outcomes[signal.name] = Self.outcome(meaning, policy: signal, prometheus: prometheus, at: now)
                }
                result[target.identity] = outcomes
                if target.namespace == DatabasePolicy.queryNamespace { databaseOutcomes[target.name] = outcomes }
            }
            for target in targets where target.namespace != DatabasePolicy.queryNamespace {
                let outcomes = result[target.identity] ?? [:]
                state.journal?.append(
                    CycleJournalEntry(time: now, outcomes: outcomes, databaseOutcomes: databaseOutcomes)
                )
            }
            return result
        }
    }

    /// Evaluates `signal` at model second `now` and classifies the value as the Prometheus source does.
    static func outcome(
        _ signal: SimulatedSignal,
        policy: SignalPolicy,
        prometheus: VirtualPrometheus,
        at now: Double
    ) -> SampleOutcome {
        let value: Double?
        let newest: Double?
        switch signal {
        case .requestRate(let range):
            value = prometheus.requestRate(range: range, at: now)
            newest = prometheus.newestIngressSample(at: now)
        case .latencyQuantile(let q, let range):
            value = prometheus.latencyQuantile(q, range: range, at: now)
            newest = prometheus.newestIngressSample(at: now)
        case .serverErrorRatio(let range):
            value = prometheus.serverErrorRatio(range: range, at: now)
            newest = prometheus.newestIngressSample(at: now)
        case .backendQueue:
            let sample = prometheus.latest(prometheus.backendQueue, at: now)
            value = sample?.value
            newest = sample?.time
        case .waitingClients:
            let sample = prometheus.latest(prometheus.waitingClients, at: now)
            value = sample?.value
            newest = sample?.time
        case .database(let series):
            let sample = prometheus.latest(prometheus.databaseGauges[series] ?? [], at: now)
            value = sample?.value
            newest = sample?.time
        }
        guard let value else { return .empty }
        guard value.isFinite else { return .nonFinite(value) }
        guard value >= 0 else { return .negative(value) }
        guard let newest else { return .value(value, age: nil) }
        let age = Duration.milliseconds(Int64((max(0, now - newest) * 1000).rounded()))
        let maxAge = Duration.milliseconds(Int64((max(0, min(policy.maxSampleAgeSeconds, 1e9)) * 1000).rounded()))
        if age > maxAge { return .stale(value, age: age, maxAge: maxAge) }
        return .value(value, age: age)
    }
}
