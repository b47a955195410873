import FleetModel
import Foundation

/// One tick as the timeline and `/state` report it. Latencies are model seconds; `nil` when no
/// request finished in the tick (no data, never 0).
public struct TickRecord: Codable, Sendable, Equatable {
    /// Model seconds at the end of the tick.
    public var modelTime: Double
    /// Trace time as `HH:MM:SS`: model time plus the clock time the load starts at (0 for
    /// synthetic loads), for reading traces side by side.
    public var traceTime: String
    /// Requests that arrived during the tick (one model second, so also requests/s).
    public var arrivals: Double
    /// The load shape's mean rate for the tick, before the Poisson draw.
    public var offeredRate: Double
    public var desired: Int
    public var ready: Int
    public var starting: Int
    public var pending: Int
    public var terminating: Int
    public var p99Seconds: Double?
    public var meanSeconds: Double?
    /// Requests that finished with HTTP 502, 503 or 504 during the tick.
    public var errors5xx: Double
    /// Requests that finished with HTTP 200 during the tick.
    public var okCount: Double
    /// Server connections open on PostgreSQL.
    public var databaseConnections: Double
    /// Requests waiting for an event loop, summed over pods.
    public var queueDepth: Double
    /// Wall time (Unix seconds) the tick stands for: the run's start plus model time divided by
    /// the compression, the time Prometheus stamps its scrapes with.
    public var wallTime: Double
    /// The tick's latency counts on `LatencyHistogram.bounds`, for quantiles over any stretch.
    public var latencyCounts: [Double]?

    init(report: TickReport, offeredRate: Double, desired: Int, wallTime: Date, startClock: Double = 0) {
        modelTime = report.time
        traceTime = Self.clock(report.time + startClock)
        arrivals = report.arrivals
        self.offeredRate = offeredRate
        self.desired = desired
        ready = report.readyPods
        starting = report.startingPods
        pending = report.pendingPods
        terminating = report.terminatingPods
        p99Seconds = report.latency.quantile(0.99)
        meanSeconds = report.latency.mean
        errors5xx = report.requests.errors
        okCount = report.requests.ok
        databaseConnections = report.databaseConnections
        queueDepth = report.queueDepth
        self.wallTime = wallTime.timeIntervalSince1970
        latencyCounts = report.latency.counts
    }

    /// The record in the form the run summary and plot read.
    public var timelineRecord: TimelineRecord {
        TimelineRecord(
            time: modelTime,
            arrivals: arrivals,
            desiredReplicas: desired,
            readyPods: ready,
            startingPods: starting,
            pendingPods: pending,
            terminatingPods: terminating,
            p99Latency: p99Seconds,
            meanLatency: meanSeconds,
            ok: okCount,
            serverErrors: errors5xx,
            databaseConnections: databaseConnections,
            queueDepth: queueDepth,
            latencyCounts: latencyCounts
        )
    }

    static func clock(_ seconds: Double) -> String {
        let whole = max(0, Int(seconds.rounded(.down)))
        return String(format: "%02d:%02d:%02d", whole / 3600 % 24, whole / 60 % 60, whole % 60)
    }

    /// Encodes the record as one JSON line with sorted keys, ending in a line feed.
    public func jsonLine() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        data.append(0x0A)
        return data
    }
}

/// Appends one JSON line per tick to a file.
public final class TimelineWriter: Sendable {
    public let path: String
    private let handle: FileHandle

    /// Creates or truncates the file at `path`.
    public init(path: String) throws(TestbedError) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw .file(path: path, reason: "cannot create the timeline file")
        }
        self.path = path
        self.handle = handle
    }

    public func append(_ record: TickRecord) throws(TestbedError) {
        do {
            try handle.write(contentsOf: record.jsonLine())
        } catch {
            throw .file(path: path, reason: error.localizedDescription)
        }
    }

    public func close() {
        try? handle.close()
    }
}
