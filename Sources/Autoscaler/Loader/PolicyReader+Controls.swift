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
}
