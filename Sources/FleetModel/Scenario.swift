/// One scored (or tuning) run: a fleet, the load offered to it, the replica bounds and the seeds
/// whose mean is the result.
public struct Scenario: Sendable {
    public var name: String
    /// The trace window and shape in words, for reports.
    public var summary: String
    public var fleet: FleetParameters
    public var load: any LoadSchedule
    public var minReplicas: Int
    public var maxReplicas: Int
    public var startReplicas: Int
    /// True when the starting pods are Ready at second 0 but only at the start of warm-up;
    /// false when they are fully warm.
    public var startsCold: Bool
    public var seeds: [UInt64]
    /// True for a scenario used to tune policies and never scored.
    public var tuningOnly: Bool

    public init(
        name: String,
        summary: String,
        fleet: FleetParameters,
        load: any LoadSchedule,
        minReplicas: Int = 2,
        maxReplicas: Int = 100,
        startReplicas: Int = 2,
        startsCold: Bool = false,
        seeds: [UInt64] = Array(1...5),
        tuningOnly: Bool = false
    ) {
        self.name = name
        self.summary = summary
        self.fleet = fleet
        self.load = load
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.startReplicas = startReplicas
        self.startsCold = startsCold
        self.seeds = seeds
        self.tuningOnly = tuningOnly
    }
}

/// The fixed scenarios of the scoring rules. Their parameters must not change: a policy is
/// compared on the same world every time.
public enum ScenarioCatalog {
    public static let names = [
        "worldcup98-flash-crowd", "flash-sale-30x", "db-bound", "worldcup98-match-day", "azure-spike-day",
    ]

    /// Scenarios that read no trace file.
    public static let synthetic: Set<String> = ["flash-sale-30x", "db-bound"]

    /// Builds the scenario called `name`. It reads `traces` only for the trace-based ones.
    public static func scenario(named name: String, traces: TraceLocator = TraceLocator()) throws -> Scenario {
        switch name {
        case "worldcup98-flash-crowd":
            let window = try traces.worldCup98().window(from: "1998-05-12 06:00:00", to: "1998-05-12 07:30:00")
            return Scenario(
                name: name,
                summary: "WorldCup98 1998-05-12 06:00–07:30, requests/s = requests/min × 2.2 / 60",
                fleet: .directusPgBouncer,
                load: try window.load(scaledBy: .factor(2.2))
            )
        case "flash-sale-30x":
            return Scenario(
                name: name,
                summary: "60/s for 10 min, ramp to 1,800/s in 60 s, hold 10 min, back to 60/s in 60 s, 15 min steady",
                fleet: .directusPgBouncer,
                load: FlashSale.scored.load,
                startsCold: true
            )
        case "db-bound":
            // NOTE: the scoring table marks only flash-sale-30x as cold; db-bound reuses its load
            // on fleet directus-direct and starts warm here.
            return Scenario(
                name: name,
                summary: "flash-sale-30x on fleet directus-direct (no PgBouncer)",
                fleet: .directusDirect,
                load: FlashSale.scored.load
            )
        case "worldcup98-match-day":
            let window = try traces.worldCup98().window(from: "1998-06-30 00:00:00", to: "1998-07-01 00:00:00")
            return Scenario(
                name: name,
                summary: "WorldCup98 1998-06-30 00:00–24:00, peak minute scaled to 2,400/s",
                fleet: .directusPgBouncer,
                load: try window.load(scaledBy: .peakMinute(requestsPerSecond: 2_400))
            )
        case "azure-spike-day":
            return Scenario(
                name: name,
                summary: "Azure Functions day, 1,440 minutes, median minute scaled to 60/s",
                fleet: .directusPgBouncer,
                load: try traces.azure().load(scaledBy: .medianMinute(requestsPerSecond: 60)),
                tuningOnly: true
            )
        default:
            throw ScenarioCatalogError.unknownScenario(name)
        }
    }

    /// Builds every scenario, tuning-only ones included.
    public static func all(traces: TraceLocator = TraceLocator()) throws -> [Scenario] {
        try names.map { try scenario(named: $0, traces: traces) }
    }
}

public enum ScenarioCatalogError: Error, Equatable, CustomStringConvertible {
    case unknownScenario(String)

    public var description: String {
        switch self {
        case .unknownScenario(let name):
            return "unknown scenario \"\(name)\"; choose one of \(ScenarioCatalog.names.joined(separator: ", "))"
        }
    }
}
