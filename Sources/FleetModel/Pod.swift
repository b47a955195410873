/// Requests that entered a queue spread evenly over [`start`, `end`), in FIFO order.
struct Cohort: Sendable, Equatable {
    var start: Double
    var end: Double
    var count: Double
    /// Mean time the requests spent before they entered this queue (waiting for and running on
    /// the event loop, for the pool queue; 0 for the event-loop queue).
    var elapsedBefore: Double

    /// Removes the first `taken` requests and returns the interval in which they entered.
    mutating func takeFront(_ taken: Double) -> (start: Double, end: Double) {
        let fraction = count > 0 ? min(1, taken / count) : 1
        let split = start + (end - start) * fraction
        let front = (start, split)
        start = split
        count -= taken
        return front
    }
}

/// A group of requests the event loop finished in one tick, with how long they waited for it.
struct CPUPiece: Sendable {
    var count: Double
    var wait: WaitDistribution
    /// The spread of a backlog around its fluid path, added to `wait`.
    var noise: WaitDistribution = .zero
    /// CPU time each request of the piece ran.
    var serviceTime: Double
    /// The longest wait the admission limit allows.
    var maximumWait: Double = .infinity
}

/// One pod's state inside the model.
struct Pod: Sendable {
    var name: String
    var createdAt: Double
    var startupTime: Double
    var scheduledAt: Double?
    var deletedAt: Double?
    var unschedulable = false
    /// True once the pool has opened its minimum connections after Ready.
    var poolStarted = false

    /// Requests waiting for the event loop beyond its steady-state queue (FIFO).
    var cpuQueue: [Cohort] = []
    /// Requests waiting for a pool connection beyond the pool's steady-state queue (FIFO).
    var poolQueue: [Cohort] = []
    /// Open pool connections, and when each was last wanted (index = connection rank).
    var connectionLastUsed: [Double] = []

    // Cumulative counters.
    var requests = StatusCounts()
    var latency = LatencyHistogram()
    var queryTime = LatencyHistogram()
    var connectionErrors = 0.0

    // Gauges from the last tick.
    var queueDepth = 0.0
    var inFlight = 0.0
    var poolActive = 0.0
    var poolPending = 0.0
    /// Queries per second this pod sent in the last tick.
    var queryRate = 0.0

    var openConnections: Int { connectionLastUsed.count }

    var startedAt: Double? { scheduledAt.map { $0 + startupTime } }

    func readyAt(probePeriod: Double) -> Double? {
        guard let scheduledAt else { return nil }
        guard probePeriod > 0 else { return scheduledAt + startupTime }
        return scheduledAt + (startupTime / probePeriod).rounded(.up) * probePeriod
    }

    func phase(at time: Double, probePeriod: Double) -> PodPhase {
        if deletedAt != nil { return .terminating }
        guard let scheduledAt, time >= scheduledAt else { return .pending }
        guard let readyAt = readyAt(probePeriod: probePeriod), time >= readyAt else { return .starting }
        return .ready
    }

    var backlog: Double { cpuQueue.reduce(0) { $0 + $1.count } }
    var poolBacklog: Double { poolQueue.reduce(0) { $0 + $1.count } }
}
