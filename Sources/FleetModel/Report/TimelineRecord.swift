/// One tick of a run as the testbed and the simulator record it, one JSON object per line.
/// Times are model (trace) seconds; rates are per model second, whatever the time compression.
public struct TimelineRecord: Codable, Sendable, Equatable {
    /// Model seconds since the run started, at the end of the tick.
    public var time: Double
    /// Requests per second that arrived during the tick.
    public var arrivals: Double
    /// `spec.replicas` at the end of the tick.
    public var desiredReplicas: Int
    public var readyPods: Int
    public var startingPods: Int
    public var pendingPods: Int
    public var terminatingPods: Int
    /// p99 and mean latency of the requests finished in the tick, seconds; nil with none.
    public var p99Latency: Double?
    public var meanLatency: Double?
    /// Requests finished with 2xx, and with 5xx, in the tick.
    public var ok: Double
    public var serverErrors: Double
    /// Connections open on PostgreSQL.
    public var databaseConnections: Double
    /// Requests waiting for an event loop, summed over pods.
    public var queueDepth: Double
    /// The tick's latency counts on `LatencyHistogram.bounds` (one more entry for the overflow),
    /// so that quantiles over any stretch of the run are exact sums; nil when not recorded.
    public var latencyCounts: [Double]?

    public init(
        time: Double,
        arrivals: Double,
        desiredReplicas: Int,
        readyPods: Int,
        startingPods: Int,
        pendingPods: Int,
        terminatingPods: Int,
        p99Latency: Double?,
        meanLatency: Double?,
        ok: Double,
        serverErrors: Double,
        databaseConnections: Double,
        queueDepth: Double,
        latencyCounts: [Double]? = nil
    ) {
        self.time = time
        self.arrivals = arrivals
        self.desiredReplicas = desiredReplicas
        self.readyPods = readyPods
        self.startingPods = startingPods
        self.pendingPods = pendingPods
        self.terminatingPods = terminatingPods
        self.p99Latency = p99Latency
        self.meanLatency = meanLatency
        self.ok = ok
        self.serverErrors = serverErrors
        self.databaseConnections = databaseConnections
        self.queueDepth = queueDepth
        self.latencyCounts = latencyCounts
    }

    /// The record of one tick of `fleet` after `report`.
    public init(report: TickReport, desiredReplicas: Int) {
        self.init(
            time: report.time,
            arrivals: report.arrivals,
            desiredReplicas: desiredReplicas,
            readyPods: report.readyPods,
            startingPods: report.startingPods,
            pendingPods: report.pendingPods,
            terminatingPods: report.terminatingPods,
            p99Latency: report.latency.quantile(0.99),
            meanLatency: report.latency.mean,
            ok: report.requests.ok,
            serverErrors: report.requests.errors,
            databaseConnections: report.databaseConnections,
            queueDepth: report.queueDepth,
            latencyCounts: report.latency.counts
        )
    }
}
