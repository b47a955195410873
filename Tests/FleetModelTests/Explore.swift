import Foundation
import Testing

@testable import FleetModel

@Suite struct Explore {
    @Test func explore() {
        for (pods, rate, cold) in [(2, 60.0, true), (30, 1800.0, false), (40, 1800.0, false), (2, 1800.0, false)] {
            var fleet = Fleet(parameters: .directusPgBouncer, replicas: pods, cold: cold, seed: 1)
            var total = StatusCounts()
            var latency = LatencyHistogram()
            for _ in 0..<300 {
                let r = fleet.advance(arrivals: rate)
                total = total + r.requests
                latency.add(r.latency)
            }
            print("pods \(pods) rate \(rate): ok \(total.ok) 503 \(total.unavailable) 504 \(total.timedOut) mean \(latency.mean!) p99 \(latency.quantile(0.99)!) q \(fleet.snapshot.pods[0].queueDepth) conns \(fleet.snapshot.postgres)")
        }
    }
}
