import FleetModel
import Foundation

extension SimulationRunner {
    /// Runs the tick loop shared by every policy: scrape, control, then one second of the fleet.
    func drive<Controller: SimulatedController>(
        policy: String,
        world: SimulationWorld,
        seed: UInt64,
        period: Double,
        keepRecords: Bool,
        controller: inout Controller
    ) async -> PolicyRun {
        let started = ContinuousClock.now
        var lastProgress = started
        let ticks = Int((duration ?? scenario.load.duration).rounded(.up))
        let load = scenario.load
        var random = SeededRandom(seed: seed &+ 0xA11_1E55)
        var windows = ConcurrencyWindows(windows: settings.concurrencyWindows)
        let perTickSnapshot = controller.needsConcurrency
        let limits = DatabaseLimits(scenario.fleet)
        var records: [TimelineRecord] = []
        records.reserveCapacity(ticks)
        var breaches = 0
        var nextScrape = settings.scrapeOffset
        var nextControl = 0.0
        var desired = scenario.startReplicas
        var actions = 0
        var peak = desired

        for tick in 0..<ticks {
            let time = Double(tick)
            while nextScrape <= time {
                let stamp = nextScrape
                world.state.withLock { $0.prometheus.scrape($0.fleet.snapshot, at: stamp) }
                nextScrape += settings.scrapeInterval
            }
            if nextControl <= time {
                await controller.control(at: time, world: world, concurrency: windows.averages)
                while nextControl <= time { nextControl += period }
            }

            let arrivals = Double(load.drawArrivals(inTick: tick, random: &random))
            let outcome = world.state.withLock { state in
                let report = state.fleet.advance(arrivals: arrivals)
                state.readyPods = report.readyPods
                state.unreadyPods = report.pendingPods + report.startingPods
                let snapshot = perTickSnapshot ? state.fleet.snapshot : nil
                return (report, state.fleet.desiredReplicas, snapshot)
            }
            let (report, newDesired, snapshot) = outcome
            if newDesired != desired { actions += 1 }
            desired = newDesired
            peak = max(peak, desired)
            records.append(Self.record(report, desired: desired))
            if limits.isBreached(by: report) { breaches += 1 }
            if let snapshot {
                // NOTE: the per-tick ratio to Ready pods is averaged, whereas Knative averages the
                // total and divides by the pods at decision time. They differ only while pods change.
                let inFlight = snapshot.pods.filter { $0.phase == .ready }.reduce(0) { $0 + $1.inFlight }
                windows.add(inFlight / Double(max(report.readyPods, 1)))
            }

            if let progress, tick % 600 == 599, ContinuousClock.now - lastProgress >= progressInterval {
                lastProgress = ContinuousClock.now
                let percent = Int(Double(tick + 1) / Double(ticks) * 100)
                progress("\(scenario.name) \(policy) seed \(seed): \(percent) % (model second \(tick + 1) of \(ticks))")
            }
        }

        let elapsed = ContinuousClock.now - started
        return PolicyRun(
            policy: policy,
            scenario: scenario.name,
            seed: seed,
            scores: RunScores(
                records: records,
                scalingActions: actions,
                peakReplicas: peak,
                databaseBudgetBreaches: breaches,
                settings: settings
            ),
            records: keepRecords ? records : nil,
            wallSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        )
    }

    /// Returns the timeline record of one tick without the per-tick latency counts, which would take
    /// about 2 KB a second over a day.
    static func record(_ report: TickReport, desired: Int) -> TimelineRecord {
        var record = TimelineRecord(report: report, desiredReplicas: desired)
        record.latencyCounts = nil
        return record
    }
}
