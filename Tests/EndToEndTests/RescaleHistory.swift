import Foundation
import KubeTestServer

/// The scale writes of one identity in the audit log and the moments the signal crossed its
/// thresholds in Prometheus, from which the test measures Headroom's reaction in cycles.
struct RescaleHistory {
    /// One accepted PATCH of the scale subresource.
    struct Rescale {
        var time: Double
        var replicas: Int
    }

    var rescales: [Rescale]

    /// Reads the accepted scale PATCHes of `identity`, with `spec.replicas` from each body.
    init(audit: [AuditEntry], identity: String) throws {
        rescales = try audit.filter {
            $0.identity == identity && $0.method == "PATCH" && $0.path == FlashSalePlan.scalePath
                && $0.status == 200
        }.map { entry in
            let body = try JSONSerialization.jsonObject(with: Data((entry.body ?? "").utf8)) as? [String: Any]
            guard let replicas = (body?["spec"] as? [String: Any])?["replicas"] as? Int else {
                throw RescaleBodyError(body: entry.body ?? "")
            }
            return Rescale(time: entry.time.timeIntervalSince1970, replicas: replicas)
        }
    }

    /// Returns the first point at which the signal lies above the scale-up threshold at the replicas of
    /// that moment: the spike as Prometheus shows it.
    ///
    /// The testbed starts at minReplicas and nothing scales before the spike (the test asserts
    /// no write earlier than this point), so the count of that moment is minReplicas. Reading
    /// it from the writes instead would skip the crossing whenever Headroom wrote between a
    /// scrape and the next point of the grid, which it does within 0.1 s.
    static func visibleSpike(in points: [RatePoint]) -> RatePoint? {
        points.first { $0.value > FlashSalePlan.scaleUpThreshold(current: FlashSalePlan.minReplicas) }
    }

    /// Returns the first point after the highest one at which the signal proposes the floor: the load
    /// has fallen as Prometheus shows it.
    static func fall(in points: [RatePoint]) -> RatePoint? {
        guard let peak = points.max(by: { $0.value < $1.value }) else { return nil }
        return points.first {
            $0.time > peak.time && FlashSalePlan.proposal(rate: $0.value) == FlashSalePlan.minReplicas
        }
    }
}

/// A scale PATCH whose body has no whole `spec.replicas`.
struct RescaleBodyError: Error, CustomStringConvertible {
    var body: String

    var description: String { "scale PATCH body is missing an integer spec.replicas: \(body)" }
}
