import Autoscaler
import Foundation

/// An SVG chart per target: the replicas that existed and Headroom's recommendation over time.
enum ReplayPlot {
    private static let width = 960.0
    private static let panelHeight = 220.0
    private static let margin = 48.0

    static func svg(_ targets: [(target: TargetPolicy, steps: [ReplayStep])]) -> String {
        let height = Double(targets.count) * (panelHeight + margin) + margin
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>

            """
        for (index, entry) in targets.enumerated() {
            svg += panel(entry.target, entry.steps, top: margin + Double(index) * (panelHeight + margin))
        }
        return svg + "</svg>\n"
    }

    private static func panel(_ target: TargetPolicy, _ steps: [ReplayStep], top: Double) -> String {
        let plotWidth = width - 2 * margin
        let counts = steps.flatMap { [$0.actualReplicas, $0.decision?.desiredReplicas].compactMap { $0 } }
        let peak = Double(max(counts.max() ?? 1, 1))
        let count = max(steps.count - 1, 1)
        let x = { (index: Int) in margin + plotWidth * Double(index) / Double(count) }
        let y = { (value: Int) in top + panelHeight - panelHeight * Double(value) / peak }

        var text =
            "<text x=\"\(margin)\" y=\"\(top - 8)\">\(escape(target.identity)): actual (grey) and Headroom (blue), "
        text += "0 to \(Int(peak)) replicas, \(escape(ReplayReport.timestamp(steps.first?.time ?? Date()))) to "
        text += "\(escape(ReplayReport.timestamp(steps.last?.time ?? Date())))</text>\n"
        text += "<rect x=\"\(margin)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(panelHeight)\" "
        text += "fill=\"none\" stroke=\"#ccc\"/>\n"
        text += polyline(steps.enumerated().map { ($0.offset, $0.element.actualReplicas) }, x: x, y: y, color: "#888")
        text += polyline(
            steps.enumerated().map { ($0.offset, $0.element.decision?.desiredReplicas) },
            x: x,
            y: y,
            color: "#1f6fd0"
        )
        return text
    }

    /// Draws one `<polyline>` per run of known values, so a gap stays a gap.
    private static func polyline(
        _ values: [(Int, Int?)],
        x: (Int) -> Double,
        y: (Int) -> Double,
        color: String
    ) -> String {
        var text = ""
        var run: [String] = []
        func flush() {
            if run.count > 1 {
                text += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\""
                text += run.joined(separator: " ") + "\"/>\n"
            }
            run = []
        }
        for (index, value) in values {
            guard let value else {
                flush()
                continue
            }
            run.append(String(format: "%.1f,%.1f", x(index), y(value)))
        }
        flush()
        return text
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
