import Autoscaler
import FleetModel
import Foundation
import Observability

/// Runs one scenario and seed against Headroom's control loop or a baseline autoscaler.
///
/// Every run builds the same fleet and draws the same arrivals for a seed, so policies differ
/// only in what they do. Each model second: a scrape when one is due, a controller cycle when
/// one is due (both at the start of the second, scrape first), then one tick of the fleet.
public struct SimulationRunner: Sendable {
    public var scenario: Scenario
    public var settings: SimulationSettings
    /// Model seconds to run; the scenario's load duration when nil.
    public var duration: Double?
    /// Called with a progress line every few wall seconds of a long run.
    public var progress: (@Sendable (String) -> Void)?
    /// Wall seconds between progress lines.
    public var progressInterval: Duration = .seconds(3)

    /// The wall-clock date of model second 0 on the manual clock.
    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    public init(scenario: Scenario, settings: SimulationSettings = SimulationSettings(), duration: Double? = nil) {
        self.scenario = scenario
        self.settings = settings
        self.duration = duration
    }

    /// Returns the policy's single target with the scenario's replica bounds, which are part of the
    /// scored world.
    public func boundTarget(_ target: TargetPolicy) -> TargetPolicy {
        var bound = target
        bound.minReplicas = scenario.minReplicas
        bound.maxReplicas = scenario.maxReplicas
        return bound
    }

    /// Returns a fresh world for `seed`: the scenario's fleet at its start replicas.
    public func makeWorld(seed: UInt64, keepsJournal: Bool = false) -> SimulationWorld {
        let fleet = Fleet(
            parameters: scenario.fleet,
            replicas: scenario.startReplicas,
            cold: scenario.startsCold,
            seed: seed
        )
        return SimulationWorld(
            fleet: fleet,
            prometheus: VirtualPrometheus(pipelineLag: settings.pipelineLag),
            epoch: Self.epoch,
            keepsJournal: keepsJournal
        )
    }

    /// Runs Headroom's own `ControlLoop.runCycle()` on `target` every controller interval. The
    /// signal source also evaluates the queries of `databases`, the policy's databases.
    public func runHeadroom(
        _ target: TargetPolicy,
        databases: [DatabasePolicy] = [],
        seed: UInt64,
        keepRecords: Bool = false,
        world: SimulationWorld? = nil
    ) async throws(SimulationError) -> PolicyRun {
        let world = world ?? makeWorld(seed: seed)
        let bound = boundTarget(target)
        let signals = try SimulatedSignalSource(world: world, targets: [bound], databases: databases)
        let clock = ManualClock(now: world.epoch)
        let loop = ControlLoop(
            targets: [bound],
            signals: signals,
            scaler: SimulatedScaler(world: world),
            events: DiscardingEventRecorder(),
            clock: clock,
            logger: Logger(level: .error, sink: DiscardingLogSink()),
            metrics: LoopMetrics(registry: MetricsRegistry()),
            configuration: ControlLoopConfiguration(interval: .milliseconds(Int64(settings.controllerInterval * 1000))),
            databases: databases
        )
        var controller = HeadroomController(loop: loop, clock: clock, epoch: world.epoch)
        return await drive(
            policy: "headroom",
            world: world,
            seed: seed,
            period: settings.controllerInterval,
            keepRecords: keepRecords,
            controller: &controller
        )
    }

    /// Runs `autoscaler` at its own period and holds its results to the scenario's bounds.
    public func runBaseline(_ autoscaler: any SimulatedAutoscaler, seed: UInt64, keepRecords: Bool = false) async
        -> PolicyRun
    {
        var controller = BaselineController(
            autoscaler: autoscaler,
            bounds: scenario.minReplicas...scenario.maxReplicas,
            rateWindow: settings.rateWindow
        )
        return await drive(
            policy: autoscaler.name,
            world: makeWorld(seed: seed),
            seed: seed,
            period: autoscaler.period,
            keepRecords: keepRecords,
            controller: &controller
        )
    }
}

/// A log sink that drops every record: a simulated run's per-cycle logs would be noise.
struct DiscardingLogSink: LogSink {
    func write(_ record: LogRecord) {}
}
