import Foundation
import YAML

extension PolicyReader {
    /// Reads the top-level `freeze` (`true`, `false` or an RFC 3339 end time) and
    /// `outsideWriters` (`maxOverrides`, `window`).
    mutating func readControls(_ root: YAMLNode) -> PolicyControls {
        var controls = PolicyControls()
        if let node = root["freeze"], let text = string(node, "freeze") {
            if let flag = node.scalar?.boolValue {
                controls.freeze = flag
            } else if let until = ControlLoop.parseTime(text) {
                controls.freeze = true
                controls.freezeUntil = until
            } else {
                report(
                    node,
                    "freeze",
                    "invalid value \"\(text)\": expected true, false, or an RFC 3339 end time such as "
                        + "2026-12-24T14:00:00Z"
                )
            }
        }
        if let node = root["outsideWriters"], checkMapping(node, "outsideWriters", allowed: ["maxOverrides", "window"])
        {
            if let value = node["maxOverrides"], let count = int(value, "outsideWriters.maxOverrides", in: 1...1000) {
                controls.maxOutsideOverrides = count
            }
            if let value = node["window"], let seconds = wholeSeconds(value, "outsideWriters.window") {
                controls.outsideOverrideWindowSeconds = seconds
            }
        }
        return controls
    }

    /// Reads a target's `fallback` (`replicas`, `afterFailedCycles`); `.some(nil)` when absent,
    /// `nil` when it has a problem.
    mutating func readFallback(_ node: YAMLNode?, path: String) -> FallbackPolicy?? {
        guard let node else { return .some(nil) }
        guard checkMapping(node, path, allowed: ["replicas", "afterFailedCycles"]) else { return nil }
        let before = problems.count
        var replicas: Int?
        if let value = node["replicas"] {
            replicas = int(value, path + ".replicas", in: 1...Int(Int32.max))
        } else {
            report(
                node,
                path + ".replicas",
                "missing key \"replicas\": set the count to go to when no signal has a value"
            )
        }
        let cycles = node["afterFailedCycles"].flatMap { int($0, path + ".afterFailedCycles", in: 1...1000) } ?? 3
        guard problems.count == before, let replicas else { return nil }
        return .some(FallbackPolicy(replicas: replicas, afterFailedCycles: cycles))
    }
}
