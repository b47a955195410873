import FleetModel

/// The scenarios `simulate` accepts: the scored catalog, plus a short synthetic one that CI can
/// afford to run on every change.
public enum SimulationScenarios {
    /// 8 model minutes: 20 requests/s for 2 min, a ramp to 300/s in 30 s, 3 min hold, back down
    /// in 30 s, 2 min steady. Not scored; it exercises the loop end to end in a second or two.
    public static let smokeName = "smoke-ramp"

    public static var names: [String] { ScenarioCatalog.names + [smokeName] }

    public static func scenario(named name: String, traces: TraceLocator) throws -> Scenario {
        guard name == smokeName else { return try ScenarioCatalog.scenario(named: name, traces: traces) }
        return smokeScenario
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
