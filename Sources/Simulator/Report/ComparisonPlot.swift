import FleetModel
import Foundation

/// An SVG of one scenario with every policy on shared time axes: offered load, `spec.replicas`
/// and tick p99 latency against the objective. Plain SVG 1.1, no script, so any viewer shows it.
public struct ComparisonPlot: Sendable {
    public var title: String
    public var objective: Double

    public init(title: String, objective: Double) {
        self.title = title
        self.objective = objective
    }

    static let palette = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    static let width = 960.0
    static let panelHeight = 170.0
    static let left = 70.0
    static let right = 130.0
    static let top = 40.0
    static let gap = 40.0

    /// Renders `timelines` (policy name and records), averaging every `bucket` seconds into one
    /// point. The p99 point is the bucket's maximum, so short breaches stay visible.
    public func render(_ timelines: [(policy: String, records: [TimelineRecord])], bucket: Int = 60) -> String {
        let series = timelines.map { timeline in
            (policy: timeline.policy, points: Self.downsample(timeline.records, bucket: bucket))
        }
        let end = series.flatMap { $0.points.map(\.time) }.max() ?? 1
        let panels: [(String, String, [(String, [(Double, Double)])], Double?)] = [
            (
                "Offered load", "requests/s",
                Array(series.prefix(1)).map { ("load", $0.points.map { ($0.time, $0.load) }) }, nil
            ),
            ("spec.replicas", "pods", series.map { ($0.policy, $0.points.map { ($0.time, $0.replicas) }) }, nil),
            (
                "p99 latency (tick maximum per bucket)", "ms",
                series.map { ($0.policy, $0.points.compactMap { point in point.p99.map { (point.time, $0 * 1000) } }) },
                objective * 1000
            ),
        ]
        let height = Self.top + Double(panels.count) * (Self.panelHeight + Self.gap)
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(height))\" "
                + "font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(Self.left)\" y=\"22\" font-size=\"15\">\(Self.escape(title))</text>",
        ]
        for (index, panel) in panels.enumerated() {
            let y = Self.top + Double(index) * (Self.panelHeight + Self.gap)
            svg += drawPanel(panel, y: y, end: end)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private func drawPanel(
        _ panel: (title: String, unit: String, lines: [(String, [(Double, Double)])], reference: Double?),
        y: Double,
        end: Double
    ) -> [String] {
        let plotWidth = Self.width - Self.left - Self.right
        let maximum = max(panel.lines.flatMap { $0.1.map(\.1) }.max() ?? 1, panel.reference ?? 0, 1) * 1.05
        func px(_ time: Double) -> Double { Self.left + plotWidth * time / max(end, 1) }
        func py(_ value: Double) -> Double { y + Self.panelHeight * (1 - value / maximum) }
        var out = [
            "<text x=\"\(Self.left)\" y=\"\(y - 6)\">\(Self.escape(panel.title)) (\(panel.unit))</text>",
            "<rect x=\"\(Self.left)\" y=\"\(y)\" width=\"\(plotWidth)\" height=\"\(Self.panelHeight)\" "
                + "fill=\"none\" stroke=\"#999\"/>",
            "<text x=\"\(Self.left - 4)\" y=\"\(y + 10)\" text-anchor=\"end\">\(Self.label(maximum))</text>",
            "<text x=\"\(Self.left - 4)\" y=\"\(y + Self.panelHeight)\" text-anchor=\"end\">0</text>",
            "<text x=\"\(Self.left + plotWidth)\" y=\"\(y + Self.panelHeight + 13)\" text-anchor=\"end\">"
                + "\(Self.label(end / 60)) min</text>",
        ]
        if let reference = panel.reference {
            out.append(
                "<line x1=\"\(Self.left)\" x2=\"\(Self.left + plotWidth)\" y1=\"\(py(reference))\" "
                    + "y2=\"\(py(reference))\" stroke=\"#444\" stroke-dasharray=\"4 3\"/>"
            )
        }
        for (index, line) in panel.lines.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let points = line.1.map { "\(Self.label(px($0.0))),\(Self.label(py($0.1)))" }.joined(separator: " ")
            out.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.3\" points=\"\(points)\"/>")
            let legendY = y + 14 + Double(index) * 14
            out.append(
                "<text x=\"\(Self.left + plotWidth + 8)\" y=\"\(legendY)\" fill=\"\(color)\">"
                    + "\(Self.escape(line.0))</text>"
            )
        }
        return out
    }

    struct Point {
        var time: Double
        var load: Double
        var replicas: Double
        var p99: Double?
    }

    static func downsample(_ records: [TimelineRecord], bucket: Int) -> [Point] {
        stride(from: 0, to: records.count, by: max(bucket, 1)).map { start in
            let slice = records[start..<min(records.count, start + max(bucket, 1))]
            let count = Double(slice.count)
            return Point(
                time: slice.last?.time ?? 0,
                load: slice.reduce(0) { $0 + $1.arrivals } / count,
                replicas: slice.reduce(0) { $0 + Double($1.desiredReplicas) } / count,
                p99: slice.compactMap(\.p99Latency).max()
            )
        }
    }

    static func label(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
