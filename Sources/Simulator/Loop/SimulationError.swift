/// An error that stops a simulation, written for the person who ran `headroom simulate`.
public enum SimulationError: Error, Equatable, CustomStringConvertible {
    /// A signal whose query is not one of the presets the simulator models.
    case unsupportedSignal(name: String, query: String)
    /// A database reading whose query is not one of the default queries the simulator models.
    case unsupportedDatabaseQuery(database: String, reading: String, query: String)
    /// The policy has no target, or more than the one fleet a scenario models.
    case targetCount(Int)

    public var description: String {
        switch self {
        case .unsupportedSignal(let name, let query):
            return "signal \"\(name)\" has the query \(query), which the simulator cannot evaluate; "
                + "simulate takes the presets (\(SimulatedSignal.presetNames.joined(separator: ", "))) "
                + "with any range; use replay for arbitrary PromQL"
        case .unsupportedDatabaseQuery(let database, let reading, let query):
            return "database \"\(database)\" reads \(reading) with the query \(query), which the simulator "
                + "cannot evaluate; simulate takes the default queries "
                + "(\(SimulatedSignal.databaseQueries.joined(separator: ", "))), optionally with a selector, "
                + "or a fixed value; use replay for arbitrary PromQL"
        case .targetCount(let count):
            return "the policy has \(count) valid targets; simulate runs one fleet, so give a policy with "
                + "exactly one target"
        }
    }
}
