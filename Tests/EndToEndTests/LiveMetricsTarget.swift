import Foundation
import Synchronization
import TestSupport

/// A scrape target on loopback that Prometheus reads every second.
///
/// It serves `http_requests_total{namespace="shop",deployment="api"}` as a counter that grows
/// by `requestsPerSecond` per second of wall time, so `rate()` over it is that number, plus
/// whatever gauge lines a test sets, which a test can change while Headroom runs.
final class LiveMetricsTarget: Sendable {
    static let requestsPerSecond = 58.0

    private let server: LoopbackHTTPServer
    private let gauges: GaugeValues

    /// The gauge lines, shared between the test and the server's connection threads.
    private final class GaugeValues: Sendable {
        let values: Mutex<[String: String]>

        init(_ values: [String: String]) {
            self.values = Mutex(values)
        }
    }

    /// Starts serving; `gauges` maps a series such as `queue_depth{a="b"}` to its value text.
    init(gauges initial: [String: String]) throws {
        let start = Date()
        let gauges = GaugeValues(initial)
        self.gauges = gauges
        server = try LoopbackHTTPServer { request in
            guard request.target.hasPrefix("/metrics") else { return CannedResponse(status: 404) }
            // The offset keeps the counter far from 0, so rate() never clamps its
            // extrapolation at the point where the counter would be 0.
            let count = 10_000 + Self.requestsPerSecond * Date().timeIntervalSince(start)
            var text = "# TYPE http_requests_total counter\n"
            text += "http_requests_total{namespace=\"shop\",deployment=\"api\"} \(count)\n"
            for (series, value) in gauges.values.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
                text += "\(series) \(value)\n"
            }
            return CannedResponse(headers: [("Content-Type", "text/plain; version=0.0.4")], body: text)
        }
    }

    /// `127.0.0.1:<port>`, as Prometheus' scrape configuration names it.
    var address: String { "127.0.0.1:\(server.port)" }

    /// Sets one gauge's value text (such as `70` or `NaN`), or removes the series with `nil`.
    func setGauge(_ series: String, _ value: String?) {
        gauges.values.withLock { $0[series] = value }
    }

    func stop() {
        server.stop()
    }
}
