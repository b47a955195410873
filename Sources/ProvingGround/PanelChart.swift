import Foundation

/// A stack of line-chart panels sharing one time axis, as plain SVG 1.1 (no script).
struct PanelChart {
    struct Line {
        var label: String
        var color: String
        var dashed: Bool
        /// Points as (seconds since the run's start, value). Points with a non-finite value are
        /// left out, so the line joins their neighbours.
        var points: [(Double, Double)]
    }

    struct Panel {
        var title: String
        var unit: String
        var lines: [Line]
        /// Horizontal reference lines, such as an objective or `max_connections`.
        var references: [(label: String, value: Double)] = []
    }

    var title: String
    var panels: [Panel]

    static let width = 980.0
    static let left = 70.0
    static let right = 190.0
    static let panelHeight = 150.0
    static let gap = 46.0
    static let top = 44.0

    /// Renders the panels as one SVG document, with the time axis labelled under the last panel.
    func render() -> String {
        let allTimes = panels.flatMap { $0.lines.flatMap { $0.points.map(\.0) } }
        let start = min(0, allTimes.min() ?? 0)
        let end = max(start + 1, allTimes.max() ?? 1)
        let plotWidth = Self.width - Self.left - Self.right
        let height = Self.top + Double(panels.count) * (Self.panelHeight + Self.gap) + 10
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(Self.left))" y="22" font-size="15" font-weight="bold">\(Self.escape(title))</text>

            """

        for (index, panel) in panels.enumerated() {
            let top = Self.top + Double(index) * (Self.panelHeight + Self.gap)
            let values = panel.lines.flatMap { $0.points.map(\.1) } + panel.references.map(\.value)
            let maximum = Self.niceCeiling(max(values.filter(\.isFinite).max() ?? 1, 1e-9))
            func x(_ time: Double) -> Double { Self.left + (time - start) / (end - start) * plotWidth }
            func y(_ value: Double) -> Double {
                top + Self.panelHeight - min(max(value, 0), maximum) / maximum * Self.panelHeight
            }

            svg += "<text x=\"\(Int(Self.left))\" y=\"\(Self.format(top - 8))\" font-weight=\"bold\">"
            svg += "\(Self.escape(panel.title)) (\(Self.escape(panel.unit)))</text>\n"
            svg += "<rect x=\"\(Int(Self.left))\" y=\"\(Self.format(top))\" width=\"\(Self.format(plotWidth))\" "
            svg += "height=\"\(Int(Self.panelHeight))\" fill=\"none\" stroke=\"#999\"/>\n"
            for fraction in [0.0, 0.5, 1.0] {
                let value = maximum * fraction
                svg += "<text x=\"\(Int(Self.left - 6))\" y=\"\(Self.format(y(value) + 4))\" text-anchor=\"end\">"
                svg += "\(Self.formatValue(value))</text>\n"
            }

            // Reference labels sit inside the plot, above their lines and side by side, so they
            // never cover the legend on the right.
            for (referenceIndex, reference) in panel.references.enumerated() {
                svg += "<line x1=\"\(Int(Self.left))\" x2=\"\(Self.format(Self.left + plotWidth))\" "
                svg += "y1=\"\(Self.format(y(reference.value)))\" y2=\"\(Self.format(y(reference.value)))\" "
                svg += "stroke=\"#444\" stroke-dasharray=\"2,3\"/>\n"
                let labelX = Self.left + 6 + Double(referenceIndex) * 190
                svg += "<text x=\"\(Self.format(labelX))\" y=\"\(Self.format(y(reference.value) - 3))\" fill=\"#444\">"
                svg += "\(Self.escape(reference.label))</text>\n"
            }

            for (lineIndex, line) in panel.lines.enumerated() where !line.points.isEmpty {
                let path = line.points.filter { $0.1.isFinite }.map {
                    "\(Self.format(x($0.0))),\(Self.format(y($0.1)))"
                }
                svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.5\""
                if line.dashed { svg += " stroke-dasharray=\"5,3\"" }
                svg += " points=\"\(path.joined(separator: " "))\"/>\n"
                let legendY = top + 14 + Double(lineIndex) * 14
                svg += "<text x=\"\(Self.format(Self.left + plotWidth + 6))\" y=\"\(Self.format(legendY))\" "
                svg += "fill=\"\(line.color)\">\(line.dashed ? "- - " : "— ")\(Self.escape(line.label))</text>\n"
            }

            if index == panels.count - 1 {
                for fraction in stride(from: 0.0, through: 1.0, by: 0.25) {
                    let time = start + (end - start) * fraction
                    svg += "<text x=\"\(Self.format(x(time)))\" y=\"\(Self.format(top + Self.panelHeight + 14))\" "
                    svg += "text-anchor=\"middle\">\(Int(time.rounded())) s</text>\n"
                }
            }
        }
        return svg + "</svg>\n"
    }

    /// Rounds `value` up to 1, 2, 2.5, 5 or 10 times a power of ten, for the top of a panel's axis.
    static func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func formatValue(_ value: Double) -> String {
        value >= 10 || value == 0 ? String(Int(value.rounded())) : String(format: "%.2g", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
