import FleetModel

/// What one reference run produced. Latencies are seconds; refusals count with latency 0.
struct ReferenceResult: Sendable {
    var arrivals = 0
    var ok = 0
    /// HTTP 503, all causes.
    var unavailable: Int { unavailableNoReadyPod + unavailableQueueFull + unavailableAcquireTimeout }
    var unavailableNoReadyPod = 0
    var unavailableQueueFull = 0
    var unavailableAcquireTimeout = 0
    /// HTTP 504: waited `requestTimeout` for the event loop.
    var timedOut = 0
    /// Pool connection opens rejected because PostgreSQL (direct) or PgBouncer had no free slot.
    var refusedConnections = 0
    /// Mean latency over every finished request, any status.
    var meanLatency = 0.0
    /// Exact 99th percentile by nearest rank over every finished request, any status.
    var p99Latency = 0.0
    /// Mean wait for the event loop of the requests that got CPU service.
    var meanEventLoopWait = 0.0
    /// Requests that got CPU service.
    var served = 0
    /// Arrivals in each model second.
    var arrivalsPerSecond: [Int] = []
    /// HTTP 503s in the second they happened.
    var unavailablePerSecond: [Int] = []
    /// Requests routed to each pod, by pod index.
    var podArrivals: [Int] = []
    /// Model time when the last event ran (arrivals stop at the duration; the rest drains).
    var endTime = 0.0
    /// True when the run hit its event limit before it drained.
    var truncated = false

    var finished: Int { ok + unavailable + timedOut }

    /// The counts in the tick model's type, for side-by-side checks.
    var statusCounts: StatusCounts {
        var counts = StatusCounts()
        counts.ok = Double(ok)
        counts.unavailable = Double(unavailable)
        counts.timedOut = Double(timedOut)
        return counts
    }
}
