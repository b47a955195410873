import FleetModel
import Foundation

/// Everything a testbed run is made of, validated by `TestbedOptions` or set by tests.
public struct TestbedConfiguration: Sendable {
    public var namespace = "shop"
    public var deployment = "api"
    public var replicas = 2
    /// Start the initial replicas cold (warming up from time 0) instead of fully warm.
    public var cold = false
    /// Model seconds per wall second.
    public var compression = 1.0
    public var seed: UInt64 = 1
    public var load = LoadShape.steady(rate: 100, duration: 600)
    public var parameters = FleetParameters.directusPgBouncer
    /// Wall seconds after which the run stops even if the load has not ended.
    public var maxDuration: Double?
    /// Port of the exporter server, 0 to let the kernel pick.
    public var metricsPort = 0
    public var fileSDPath: String?
    public var prometheusConfigPath: String?
    public var timelinePath: String?
    /// Scrape and rule evaluation interval written to prometheus.yml, seconds.
    public var scrapeInterval = 1

    public init() {}
}

/// The testbed's state as `/state` serves it.
public struct TestbedStateReport: Codable, Sendable, Equatable {
    public var modelTime: Double
    public var traceTime: String
    public var load: String
    public var compression: Double
    public var arrivalsPerSecond: Double
    public var desired: Int
    public var ready: Int
    public var starting: Int
    public var pending: Int
    public var terminating: Int
    /// p99 latency of the last tick, model seconds; nil when no request finished.
    public var tickP99Seconds: Double?
    /// Requests that ended with 5xx in the last tick.
    public var tick5xx: Double
    public var databaseConnections: Double
    public var queueDepth: Double

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
