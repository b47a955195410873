import FleetModel
import Foundation
import KubeTestServer
import Synchronization

/// Drives the fleet model in wall time against the API test server.
///
/// Each tick reads `spec.replicas` and draws the tick's arrivals. It then advances the model one
/// second, mirrors the result into the store, publishes the exporter pages and rewrites the
/// `file_sd` file.
///
/// Tick k covers model seconds [k, k+1) and runs at wall time `wallStart + (k+1) / compression`,
/// so the pods' timestamps in the API match the wall clock Prometheus scrapes by.
public final class Testbed: Sendable {
    public let configuration: TestbedConfiguration
    public let mapping: ModelTimeMapping
    public let publication: Publication
    private let engine: Mutex<Engine>

    /// The mutable part, touched by one tick at a time.
    struct Engine {
        var fleet: Fleet
        var sync: ClusterSync
        var exporters: FleetExporters
        var fileSD: FileSDWriter?
        var arrivals: SeededRandom
        /// Deployment generation whose replicas the model runs.
        var generation = 1
        var lastRecord: TickRecord?
        var tickDurations: [Double] = []
    }

    /// Sets up the Deployment, ReplicaSet and initial pods in `store` and the first exporter
    /// pages. `metricsPort` is the port the exporter server of `publication` listens on (for
    /// `file_sd`).
    public init(
        configuration: TestbedConfiguration,
        store: ObjectStore,
        metricsPort: Int,
        wallStart: Date,
        publication: Publication = Publication()
    ) throws(TestbedError) {
        self.configuration = configuration
        let mapping = ModelTimeMapping(wallStart: wallStart, compression: configuration.compression)
        self.mapping = mapping
        self.publication = publication
        let fleet = Fleet(
            parameters: configuration.parameters,
            deploymentName: configuration.deployment,
            replicas: configuration.replicas,
            cold: configuration.cold,
            seed: configuration.seed
        )
        var sync = ClusterSync(
            store: store,
            namespace: configuration.namespace,
            deployment: configuration.deployment,
            parameters: configuration.parameters,
            mapping: mapping
        )
        try sync.createWorkload(replicas: configuration.replicas)
        let fileSD = configuration.fileSDPath.map {
            FileSDWriter(
                path: $0,
                metricsPort: metricsPort,
                namespace: configuration.namespace,
                deployment: configuration.deployment
            )
        }
        if let path = configuration.prometheusConfigPath, let fileSDPath = configuration.fileSDPath {
            let text = PrometheusConfig.render(
                fileSDPath: fileSDPath,
                scrapeInterval: configuration.scrapeInterval,
                evaluationInterval: configuration.scrapeInterval
            )
            try AtomicFile.write(Data(text.utf8), to: path)
        }
        var engine = Engine(
            fleet: fleet,
            sync: sync,
            exporters: FleetExporters(namespace: configuration.namespace, deployment: configuration.deployment),
            fileSD: fileSD,
            arrivals: SeededRandom(seed: configuration.seed &+ 0xA11_1E55)
        )
        try Self.publish(&engine, record: nil, configuration: configuration, publication: publication)
        self.engine = Mutex(engine)
    }

    /// The model's current snapshot.
    public var snapshot: FleetSnapshot { engine.withLock { $0.fleet.snapshot } }

    /// Model seconds run so far.
    public var modelTime: Double { engine.withLock { $0.fleet.time } }

    /// Wall milliseconds each tick took so far (model, store, exporters and files).
    public var tickDurations: [Double] { engine.withLock { $0.tickDurations } }

    /// Runs one tick with arrivals drawn from the load shape: Poisson around the rate at the
    /// middle of the tick, which is the tick's mean for piecewise-linear and per-minute loads.
    @discardableResult
    public func step() throws(TestbedError) -> TickRecord {
        let load = configuration.load
        return try step { random, second in Double(random.nextPoisson(mean: max(0, load.rate(second + 0.5)))) }
    }

    /// Runs one tick with the given arrivals (for tests that need exact counts).
    @discardableResult
    public func step(arrivals: Double) throws(TestbedError) -> TickRecord {
        try step { _, _ in arrivals }
    }

    private func step(_ draw: (inout SeededRandom, Double) -> Double) throws(TestbedError) -> TickRecord {
        let started = ContinuousClock.now
        let configuration = configuration
        let publication = publication
        return try engine.withLock { engine throws(TestbedError) -> TickRecord in
            let read = try engine.sync.readDeployment()
            if read.replicas != engine.fleet.desiredReplicas { engine.fleet.scale(to: read.replicas) }
            engine.generation = read.generation

            let second = engine.fleet.time
            let offered = max(0, configuration.load.rate(second + 0.5))
            let arrivals = draw(&engine.arrivals, second)
            let report = engine.fleet.advance(arrivals: arrivals)
            let record = TickRecord(
                report: report,
                offeredRate: offered,
                desired: engine.fleet.desiredReplicas,
                wallTime: mapping.wall(report.time),
                startClock: configuration.load.startClock
            )
            try Self.publish(&engine, record: record, configuration: configuration, publication: publication)

            let elapsed = ContinuousClock.now - started
            let milliseconds =
                Double(elapsed.components.seconds) * 1000
                + Double(elapsed.components.attoseconds) / 1e15
            engine.tickDurations.append(milliseconds)
            engine.lastRecord = record
            return record
        }
    }

    private static func publish(
        _ engine: inout Engine,
        record: TickRecord?,
        configuration: TestbedConfiguration,
        publication: Publication
    ) throws(TestbedError) {
        let snapshot = engine.fleet.snapshot
        try engine.sync.mirror(snapshot, generation: engine.generation)
        let pages = engine.exporters.render(snapshot)
        try engine.fileSD?.update(snapshot)
        let state = TestbedStateReport(
            modelTime: snapshot.time,
            traceTime: TickRecord.clock(snapshot.time + configuration.load.startClock),
            load: configuration.load.label,
            compression: configuration.compression,
            arrivalsPerSecond: record?.arrivals ?? 0,
            desired: snapshot.desiredReplicas,
            ready: snapshot.count(.ready),
            starting: snapshot.count(.starting),
            pending: snapshot.count(.pending),
            terminating: snapshot.count(.terminating),
            tickP99Seconds: record?.p99Seconds,
            tick5xx: record?.errors5xx ?? 0,
            databaseConnections: record?.databaseConnections ?? 0,
            queueDepth: record?.queueDepth ?? snapshot.pods.reduce(0) { $0 + $1.queueDepth }
        )
        publication.publish(pages, state: state)
    }
}
