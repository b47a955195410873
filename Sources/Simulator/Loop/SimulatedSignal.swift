import Autoscaler
import Foundation

/// A policy signal the simulator can evaluate: one of the presets it models, with the range of
/// the signal's query, or one of the database budget's default queries.
public enum SimulatedSignal: Sendable, Equatable {
    case requestRate(range: Double)
    case latencyQuantile(Double, range: Double)
    case serverErrorRatio(range: Double)
    case backendQueue
    case waitingClients
    /// A default database query: the newest sample of one exporter gauge.
    case database(DatabaseSeries)

    /// Names of the presets the simulator evaluates.
    public static let presetNames = [
        "ingressNginxRequestRate", "ingressNginxP99Latency", "ingressNginx5xxRatio", "haproxyBackendQueue",
        "pgbouncerWaitingClients",
    ]

    /// The database budget's default queries the simulator evaluates, without a selector.
    public static let databaseQueries = [
        "max(pg_settings_max_connections)", "max(pg_settings_superuser_reserved_connections)",
        #"sum(pg_stat_activity_count{state="active"})"#, "sum(pgbouncer_pools_client_waiting_connections)",
        "sum(pgbouncer_pools_server_active_connections)",
    ]

    /// Recognizes `signal` when its query is a supported preset's query, with any range
    /// durations, or a database default query. Other queries are rejected because the simulator
    /// has no PromQL engine, only the series and functions the presets use.
    public init(_ signal: SignalPolicy) throws(SimulationError) {
        if let series = DatabaseSeries(query: signal.query) {
            self = .database(series)
            return
        }
        let shape = Self.shape(of: signal.query)
        guard
            let preset = Self.presetNames.compactMap(SignalPreset.named).first(where: {
                Self.shape(of: $0.query).text == shape.text
            })
        else {
            throw .unsupportedSignal(name: signal.name, query: signal.query)
        }
        let range = shape.ranges.first ?? 60
        switch preset.name {
        case "ingressNginxRequestRate": self = .requestRate(range: range)
        case "ingressNginxP99Latency": self = .latencyQuantile(0.99, range: range)
        case "ingressNginx5xxRatio":
            guard Set(shape.ranges).count <= 1 else {
                throw .unsupportedSignal(name: signal.name, query: signal.query)
            }
            self = .serverErrorRatio(range: range)
        case "haproxyBackendQueue": self = .backendQueue
        default: self = .waitingClients
        }
    }

    /// Returns the query with whitespace removed and every `[duration]` replaced by `[]`, and the
    /// durations in seconds.
    static func shape(of query: String) -> (text: String, ranges: [Double]) {
        var text = ""
        var ranges: [Double] = []
        var rest = Substring(query.filter { !$0.isWhitespace })
        while let open = rest.firstIndex(of: "[") {
            text += rest[...open]
            guard let close = rest[open...].firstIndex(of: "]") else {
                rest = rest[rest.index(after: open)...]
                continue
            }
            ranges.append(duration(String(rest[rest.index(after: open)..<close])) ?? .nan)
            text += "]"
            rest = rest[rest.index(after: close)...]
        }
        return (text + rest, ranges)
    }

    /// Parses a PromQL duration such as `1m`, `90s` or `1m30s`, in seconds; nil when it is not one.
    static func duration(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var total = 0.0
        var digits = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber {
                digits.append(character)
            } else if character == "m", text.index(after: index) < text.endIndex, text[text.index(after: index)] == "s"
            {
                guard let value = Double(digits) else { return nil }
                total += value / 1000
                digits = ""
                index = text.index(after: index)
            } else if let unit = units[character], let value = Double(digits) {
                total += value * unit
                digits = ""
            } else {
                return nil
            }
            index = text.index(after: index)
        }
        return digits.isEmpty && total > 0 ? total : nil
    }
}
