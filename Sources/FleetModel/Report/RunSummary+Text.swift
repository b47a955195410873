import Foundation

extension RunSummary {
    /// The summary as an aligned two-column table for a terminal, times printed with
    /// `timeLabel` and durations in seconds of trace time.
    public func table(timeLabel: (Double) -> String, controllerInterval: Double? = nil) -> String {
        func seconds(_ value: Double?) -> String {
            guard let value else { return "never" }
            var text = String(format: "%.0f s", value)
            if let controllerInterval, controllerInterval > 0 {
                text += String(format: " (%.1f cycles)", value / controllerInterval)
            }
            return text
        }
        func latency(_ value: Double?) -> String {
            value.map { String(format: "%.0f ms", $0 * 1000) } ?? "no requests"
        }
        var rows: [(String, String)] = [
            ("Run length", String(format: "%.0f s (%@ to %@)", duration, timeLabel(0), timeLabel(duration))),
            ("Peak load", String(format: "%.0f requests/s", peakArrivals)),
            ("Peak replicas (desired / ready)", "\(peakDesiredReplicas) / \(peakReadyPods)"),
            ("Scale events", "\(scaleEvents.count)"),
            ("Replica-minutes", String(format: "%.1f", replicaMinutes)),
            ("Requests / 5xx", String(format: "%.0f / %.0f", totalRequests, totalServerErrors)),
            ("Seconds with p99 above objective", String(format: "%.0f", secondsAboveObjective)),
            ("Peak PostgreSQL connections", String(format: "%.0f", peakDatabaseConnections)),
        ]
        if let spike {
            rows += [
                ("Spike", "\(timeLabel(spike.lowerBound)) to \(timeLabel(spike.upperBound))"),
                ("Spike onset to first scale-up", seconds(spikeToFirstScaleUp)),
                ("Spike onset to enough ready pods", seconds(spikeToEnoughReady)),
                ("p99 during the spike", latency(spikeP99)),
                ("5xx during the spike", String(format: "%.0f", spikeServerErrors)),
            ]
        } else {
            rows.append(("Spike", "none found"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n") + "\n"
    }
}
