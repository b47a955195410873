import Foundation

/// An SVG plot of a run: load, replicas, p99 latency and 5xx over trace time, one panel each
/// on a shared time axis, with every change of `spec.replicas` marked. Plain SVG 1.1 with no
/// script or external reference, so browsers and image viewers show it as is.
public struct TimelinePlot: Sendable {
    public var title: String
    /// Formats a model second for the time axis, such as `06:37` for a trace that starts at 06:00.
    public var timeLabel: @Sendable (Double) -> String
    /// The p99 objective drawn as a dashed line, seconds.
    public var objective: Double

    public init(title: String, objective: Double = 0.5, timeLabel: @escaping @Sendable (Double) -> String) {
        self.title = title
        self.objective = objective
        self.timeLabel = timeLabel
    }

    private struct Series {
        var label: String
        var color: String
        var values: [(Double, Double)]
    }

    private struct Panel {
        var title: String
        var unit: String
        var series: [Series]
        var reference: Double?
    }

    static let width = 960.0
    static let panelHeight = 150.0
    static let left = 70.0
    static let right = 20.0
    static let top = 40.0
    static let gap = 34.0

    /// The SVG document for `records`; `bucket` seconds are averaged into one point so that a
    /// day stays a few thousand points.
    public func render(_ records: [TimelineRecord], bucket: Double = 15) -> String {
        let points = Self.downsample(records, bucket: bucket)
        let panels = [
            Panel(
                title: "Load",
                unit: "requests/s",
                series: [Series(label: "arrivals", color: "#1f77b4", values: points.map { ($0.time, $0.arrivals) })],
                reference: nil
            ),
            Panel(
                title: "Replicas",
                unit: "pods",
                series: [
                    Series(
                        label: "desired",
                        color: "#d62728",
                        values: points.map { ($0.time, Double($0.desiredReplicas)) }
                    ),
                    Series(label: "ready", color: "#2ca02c", values: points.map { ($0.time, Double($0.readyPods)) }),
                ],
                reference: nil
            ),
            Panel(
                title: "p99 latency",
                unit: "ms",
                series: [
                    Series(
                        label: "p99",
                        color: "#9467bd",
                        values: points.compactMap { point in point.p99Latency.map { (point.time, $0 * 1000) } }
                    )
                ],
                reference: objective * 1000
            ),
            Panel(
                title: "5xx",
                unit: "responses/s",
                series: [
                    Series(label: "5xx", color: "#ff7f0e", values: points.map { ($0.time, $0.serverErrors) })
                ],
                reference: nil
            ),
        ]
        let start = records.first.map { $0.time - 1 } ?? 0
        let end = max(start + 1, records.last?.time ?? 1)
        let height = Self.top + Double(panels.count) * (Self.panelHeight + Self.gap) + 10
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(Self.width)) \(Int(height))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Self.left)" y="22" font-size="15" font-weight="bold">\(Self.escape(title))</text>

            """
        let changes = Self.scaleChanges(records)
        for (index, panel) in panels.enumerated() {
            let y = Self.top + Double(index) * (Self.panelHeight + Self.gap)
            svg += render(panel, top: y, start: start, end: end, changes: index == 1 ? changes : [])
        }
        svg += "</svg>\n"
        return svg
    }

    private func render(_ panel: Panel, top: Double, start: Double, end: Double, changes: [Double]) -> String {
        let plotWidth = Self.width - Self.left - Self.right
        let allValues = panel.series.flatMap { $0.values.map(\.1) } + (panel.reference.map { [$0] } ?? [])
        let maximum = Self.niceCeiling(max(1, allValues.max() ?? 1))
        func x(_ time: Double) -> Double { Self.left + (time - start) / (end - start) * plotWidth }
        func y(_ value: Double) -> Double { top + Self.panelHeight - min(value, maximum) / maximum * Self.panelHeight }

        var out = "<g>\n"
        out += "<text x=\"\(Self.left)\" y=\"\(Self.format(top - 6))\" font-weight=\"bold\">"
        out += "\(Self.escape(panel.title)) (\(Self.escape(panel.unit)))</text>\n"
        out += "<rect x=\"\(Self.left)\" y=\"\(Self.format(top))\" width=\"\(Self.format(plotWidth))\" "
        out += "height=\"\(Self.panelHeight)\" fill=\"none\" stroke=\"#999\"/>\n"
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            out += "<line x1=\"\(Self.left)\" x2=\"\(Self.format(Self.left + plotWidth))\" "
            out += "y1=\"\(Self.format(y(value)))\" y2=\"\(Self.format(y(value)))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(Self.format(Self.left - 6))\" y=\"\(Self.format(y(value) + 4))\" "
            out += "text-anchor=\"end\">\(Self.formatValue(value))</text>\n"
        }
        for step in 0...6 {
            let time = start + (end - start) * Double(step) / 6
            out += "<text x=\"\(Self.format(x(time)))\" y=\"\(Self.format(top + Self.panelHeight + 13))\" "
            out += "text-anchor=\"middle\">\(Self.escape(timeLabel(time)))</text>\n"
        }
        for change in changes {
            out += "<line x1=\"\(Self.format(x(change)))\" x2=\"\(Self.format(x(change)))\" "
            out += "y1=\"\(Self.format(top))\" y2=\"\(Self.format(top + 8))\" stroke=\"#d62728\" stroke-width=\"1\"/>\n"
        }
        if let reference = panel.reference {
            out += "<line x1=\"\(Self.left)\" x2=\"\(Self.format(Self.left + plotWidth))\" "
            out += "y1=\"\(Self.format(y(reference)))\" y2=\"\(Self.format(y(reference)))\" "
            out += "stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n"
            out += "<text x=\"\(Self.format(Self.left + plotWidth - 4))\" y=\"\(Self.format(y(reference) - 3))\" "
            out += "text-anchor=\"end\" fill=\"#555\">objective</text>\n"
        }
        for (index, series) in panel.series.enumerated() where !series.values.isEmpty {
            let path = series.values.map { "\(Self.format(x($0.0))),\(Self.format(y($0.1)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.5\" points=\"\(path)\"/>\n"
            let legendX = Self.left + plotWidth - 150 + Double(index) * 75
            out += "<text x=\"\(Self.format(legendX))\" y=\"\(Self.format(top - 6))\" fill=\"\(series.color)\">"
            out += "\(Self.escape(series.label))</text>\n"
        }
        out += "</g>\n"
        return out
    }

    /// Averages records into `bucket`-second points; the replica counts keep their maximum so a
    /// short peak stays visible, and p99 its maximum for the same reason.
    static func downsample(_ records: [TimelineRecord], bucket: Double) -> [TimelineRecord] {
        guard bucket > 1, !records.isEmpty else { return records }
        var result: [TimelineRecord] = []
        var group: [TimelineRecord] = []
        var groupEnd = (records[0].time / bucket).rounded(.up) * bucket
        func flush() {
            guard var merged = group.last else { return }
            let count = Double(group.count)
            merged.arrivals = group.reduce(0) { $0 + $1.arrivals } / count
            merged.serverErrors = group.reduce(0) { $0 + $1.serverErrors } / count
            merged.desiredReplicas = group.map(\.desiredReplicas).max() ?? 0
            merged.readyPods = group.map(\.readyPods).max() ?? 0
            merged.p99Latency = group.compactMap(\.p99Latency).max()
            merged.latencyCounts = nil
            result.append(merged)
            group = []
        }
        for record in records {
            if record.time > groupEnd {
                flush()
                groupEnd = (record.time / bucket).rounded(.up) * bucket
            }
            group.append(record)
        }
        flush()
        return result
    }

    static func scaleChanges(_ records: [TimelineRecord]) -> [Double] {
        zip(records, records.dropFirst()).compactMap { previous, next in
            previous.desiredReplicas != next.desiredReplicas ? next.time : nil
        }
    }

    /// The smallest of 1, 2, 2.5 or 5 × 10^k at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(value)))
        for step in [1.0, 2, 2.5, 5, 10] where step * magnitude >= value * (1 - 1e-12) {
            return step * magnitude
        }
        return 10 * magnitude
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func formatValue(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.2g", value)
    }

    /// Escapes text for XML content and attribute values. Control characters, which XML 1.0
    /// forbids even as character references, become U+FFFD.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let forbidden = scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value)
                result.unicodeScalars.append(forbidden ? "\u{FFFD}" : scalar)
            }
        }
        return result
    }
}
