import FleetModel

/// A Prometheus that scrapes the fleet model's exporters in model time and evaluates the
/// queries of the signal presets with PromQL's semantics.
///
/// It stores what ingress-nginx, HAProxy and the database exporters would expose: the request
/// counter by status, the request-duration histogram on ingress-nginx's buckets, the HAProxy
/// backend queue, and the PostgreSQL and PgBouncer gauges of `DatabaseSeries`. Each scrape is stamped with its scrape time
/// and becomes visible to queries `pipelineLag` seconds later, as with a remote-write or
/// federation hop. A series appears at the first scrape where it has a value, as
/// ingress-nginx exports a status only once it has seen it.
///
/// NOTE: the model counts requests at the ingress as a whole, so each status is one series, as
/// from a single ingress-nginx controller pod. Sums run over statuses and buckets, not pods.
public struct VirtualPrometheus: Sendable {
    /// ingress-nginx's `nginx_ingress_controller_request_duration_seconds` bucket bounds.
    public static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Seconds between a scrape and the moment its samples are visible to queries.
    public let pipelineLag: Double

    /// `nginx_ingress_controller_requests` by status code.
    public private(set) var requests: [Int: [MetricSample]] = [:]
    /// Latency bucket counters by upper bound, +Inf included.
    public private(set) var latency: [Double: [MetricSample]] = [:]
    /// `haproxy_backend_current_queue`.
    public private(set) var backendQueue: [MetricSample] = []
    /// The PostgreSQL exporter's gauges, and PgBouncer's for a fleet with PgBouncer.
    public private(set) var databaseGauges: [DatabaseSeries: [MetricSample]] = [:]

    /// `pgbouncer_pools_client_waiting_connections`; empty for a fleet without PgBouncer.
    public var waitingClients: [MetricSample] { databaseGauges[.pgbouncerClientsWaiting] ?? [] }

    public init(pipelineLag: Double = 0) {
        self.pipelineLag = pipelineLag
    }

    /// Records one scrape of `snapshot` stamped at `time`.
    public mutating func scrape(_ snapshot: FleetSnapshot, at time: Double) {
        for (code, count) in snapshot.ingressRequests.byCode where count > 0 || requests[code] != nil {
            requests[code, default: []].append(MetricSample(time: time, value: count))
        }
        let total = snapshot.ingressLatency.count
        if total > 0 {
            let cumulative = snapshot.ingressLatency.cumulativeCounts(at: Self.latencyBuckets)
            for (bound, count) in zip(Self.latencyBuckets, cumulative) {
                latency[bound, default: []].append(MetricSample(time: time, value: count))
            }
            latency[.infinity, default: []].append(MetricSample(time: time, value: total))
        }
        let queue = snapshot.pods.filter { $0.phase == .ready || $0.phase == .terminating }
            .reduce(0) { $0 + $1.queueDepth }
        backendQueue.append(MetricSample(time: time, value: queue))
        for series in DatabaseSeries.allCases {
            guard let value = series.value(in: snapshot) else { continue }
            databaseGauges[series, default: []].append(MetricSample(time: time, value: value))
        }
    }

    /// Returns `rate()` of the samples of `series` visible to a query at `time`, after the pipeline lag.
    func rate(_ series: [MetricSample]?, range: Double, at time: Double) -> Double? {
        PromQLFunctions.rate(series ?? [], range: range, at: time, visibleUntil: time - pipelineLag)
    }

    /// Returns `sum(rate(nginx_ingress_controller_requests{status=~codes}[range]))` at `time`; nil
    /// when no series has two samples in the range (an empty result).
    public func requestRate(range: Double, at time: Double, codes: (Int) -> Bool = { _ in true }) -> Double? {
        let rates = requests.keys.sorted().filter(codes).compactMap { code in
            rate(requests[code], range: range, at: time)
        }
        return rates.isEmpty ? nil : rates.reduce(0, +)
    }

    /// Returns the 5xx ratio preset: 5xx rate over the total rate clamped to at least 1e-9. Nil when
    /// there is no 5xx series with a rate (the preset reads that as 0) or no total.
    public func serverErrorRatio(range: Double, at time: Double) -> Double? {
        guard let errors = requestRate(range: range, at: time, codes: { $0 >= 500 && $0 < 600 }),
            let total = requestRate(range: range, at: time)
        else { return nil }
        return errors / max(total, 1e-9)
    }

    /// Returns `histogram_quantile(q, sum by (le) (rate(…_bucket[range])))` at `time`; nil when no
    /// bucket has a rate, NaN when Prometheus would return NaN.
    public func latencyQuantile(_ q: Double, range: Double, at time: Double) -> Double? {
        let buckets = latency.keys.sorted().compactMap { bound -> HistogramBucket? in
            rate(latency[bound], range: range, at: time).map { HistogramBucket(upperBound: bound, count: $0) }
        }
        guard !buckets.isEmpty else { return nil }
        return PromQLFunctions.histogramQuantile(q, buckets)
    }

    /// Returns the newest visible sample of a gauge within Prometheus' 5-minute lookback, with its time.
    public func latest(_ series: [MetricSample], at time: Double, lookback: Double = 300) -> MetricSample? {
        let cutoff = PromQLFunctions.milliseconds(time - pipelineLag)
        let end = series.partitioningIndex { PromQLFunctions.milliseconds($0.time) > cutoff }
        guard end > 0, time - series[end - 1].time <= lookback else { return nil }
        return series[end - 1]
    }

    /// Returns the scrape time of the newest visible sample of any ingress series, for the signal's age.
    public func newestIngressSample(at time: Double) -> Double? {
        let series = Array(requests.values) + Array(latency.values)
        return series.compactMap { latest($0, at: time)?.time }.max()
    }
}
