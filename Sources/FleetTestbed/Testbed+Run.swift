import Foundation

/// The reason a run ended.
public enum RunEnd: String, Sendable, Equatable {
    /// The load shape's duration was reached.
    case loadEnded
    /// `--max-duration` wall seconds passed.
    case maxDuration
    /// The run's task was cancelled (SIGINT or SIGTERM in the executable).
    case cancelled
}

/// The outcome of a run, for the final log line and tests.
public struct RunSummary: Sendable, Equatable {
    public var ticks: Int
    public var end: RunEnd
    public var meanTickMilliseconds: Double
    public var maxTickMilliseconds: Double
}

extension Testbed {
    /// Runs ticks on `clock` until the load ends, `maxDuration` wall seconds pass (measured from
    /// `mapping.wallStart`), or the task is cancelled. Appends each tick to `timeline` if given.
    public func run(clock: any TestbedClock, timeline: TimelineWriter? = nil) async throws(TestbedError) -> RunSummary {
        let ticks = Int(configuration.load.duration.rounded(.up))
        let wallLimit = configuration.maxDuration.map { mapping.wallStart.addingTimeInterval($0) }
        var done = 0
        var end = RunEnd.loadEnded
        let first = Int(modelTime.rounded(.down))
        for tick in first..<max(first, ticks) {
            let due = mapping.wall(Double(tick + 1))
            if let wallLimit, due > wallLimit {
                end = .maxDuration
                break
            }
            do {
                try await clock.sleep(until: due)
            } catch {
                end = .cancelled
                break
            }
            let record = try step()
            try timeline?.append(record)
            done += 1
        }
        let durations = tickDurations
        return RunSummary(
            ticks: done,
            end: end,
            meanTickMilliseconds: durations.isEmpty ? 0 : durations.reduce(0, +) / Double(durations.count),
            maxTickMilliseconds: durations.max() ?? 0
        )
    }
}
