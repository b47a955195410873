import FleetModel

/// What an autoscaler model sees when it runs in the simulator, in model seconds.
///
/// Metric values are what a Prometheus scraping the fleet every `scrapeInterval` would return
/// for the query at `time`, after the metric pipeline's lag, so every model reads the same
/// delayed, sampled signal the real controller would.
public struct SimulatedObservation: Sendable {
    /// Model seconds since the run started.
    public var time: Double
    /// `spec.replicas` now.
    public var specReplicas: Int
    /// Pods Ready and not terminating.
    public var readyPods: Int
    /// Pods created and not yet Ready (Pending or starting), not terminating.
    public var unreadyPods: Int
    /// Fleet request rate over the last minute (`rate()` of the ingress counter), requests/s, or
    /// nil while Prometheus has too few samples.
    public var requestRate: Double?
    /// Requests in flight per Ready pod, averaged over the last `window` seconds as Knative's
    /// queue-proxy reports concurrency, by window length in seconds (6 and 60 for KPA).
    public var concurrency: [Double: Double]

    public init(
        time: Double,
        specReplicas: Int,
        readyPods: Int,
        unreadyPods: Int,
        requestRate: Double?,
        concurrency: [Double: Double]
    ) {
        self.time = time
        self.specReplicas = specReplicas
        self.readyPods = readyPods
        self.unreadyPods = unreadyPods
        self.requestRate = requestRate
        self.concurrency = concurrency
    }
}

/// A scaling algorithm other than Headroom's, run by the simulator at its own period against
/// the same fleet and signals.
public protocol SimulatedAutoscaler: Sendable {
    /// Name in reports, such as `hpa`, `keda`, `kpa-tuned`.
    var name: String { get }
    /// Seconds between two runs of the algorithm (15 for the HPA's sync, 30 for KEDA's poll,
    /// 2 for KPA's tick).
    var period: Double { get }
    /// The replica count to write after observing `observation`, or nil to leave it.
    mutating func decide(_ observation: SimulatedObservation) -> Int?
}
