import FleetModel
import Foundation

/// The scenarios `simulate` accepts: the scored catalog, plus a short synthetic one that CI can
/// afford to run on every change.
public enum SimulationScenarios {
    /// 8 model minutes: 20 requests/s for 2 min, a ramp to 300/s in 30 s, 3 min hold, back down
    /// in 30 s, 2 min steady. Not scored; it exercises the loop end to end in a second or two.
    public static let smokeName = "smoke-ramp"

    public static var names: [String] { ScenarioCatalog.names + [smokeName] }

    public static func scenario(named name: String, traces: TraceLocator) throws -> Scenario {
        if name == smokeName { return smokeScenario }
        if isTraceFile(name) { return try traceFileScenario(path: name) }
        return try ScenarioCatalog.scenario(named: name, traces: traces)
    }

    /// True when `name` is a path to a trace file rather than a scenario name: it contains a
    /// `/` or ends in `.csv` or `.txt`.
    public static func isTraceFile(_ name: String) -> Bool {
        name.contains("/") || name.hasSuffix(".csv") || name.hasSuffix(".txt")
    }

    /// A trace file run as is: per-minute counts, in the WorldCup98 CSV layout (`period,count`
    /// with a header) or as one line of comma-separated counts, at count ÷ 60 requests/s, on
    /// fleet `directus-pgbouncer` with replicas min 2, max 100, start 2, warm. Not scored.
    public static func traceFileScenario(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RequestTraceError.unreadableFile(path: path, reason: "no such file or not readable")
        }
        let text = String(decoding: data, as: UTF8.self)
        let firstLine = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        let trace =
            firstLine.lowercased().hasPrefix("period")
            ? try RequestTrace.parseWorldCup98(text, source: path)
            : try RequestTrace.parseAzure(text, source: path)
        return Scenario(
            name: path,
            summary: "trace file \(path), \(trace.requestsPerMinute.count) minutes at count ÷ 60 requests/s",
            fleet: .directusPgBouncer,
            load: try trace.load(scaledBy: .factor(1)),
            tuningOnly: true
        )
    }

    /// The `smoke-ramp` scenario, which reads no trace.
    public static var smokeScenario: Scenario {
        let load = PiecewiseLinearLoad(points: [(0, 20), (120, 20), (150, 300), (330, 300), (360, 20), (480, 20)])
        return Scenario(
            name: smokeName,
            summary: "20/s for 2 min, ramp to 300/s in 30 s, hold 3 min, back to 20/s in 30 s, 2 min steady",
            fleet: .directusPgBouncer,
            load: load,
            tuningOnly: true
        )
    }
}
