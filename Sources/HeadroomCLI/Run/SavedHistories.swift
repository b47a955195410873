import Autoscaler
import Foundation

/// The control loop's per-target `ScalingHistory`, in the compact JSON a leader saves in Lease
/// annotations so that a restarted or new leader decides as if it had run all along.
///
/// Keys are one letter, targets are nested by kind, namespace and name, and times are whole
/// seconds: a list's first time is its age before the save time `t`, each later one the gap to the
/// one before, oldest first. A time is rounded to the later second. That keeps each entry in a stabilization window or rate
/// period slightly longer, never shorter, so restored state is never less cautious than the
/// original. Recommendations that cannot change a decision are dropped (see `decisive`).
///
/// `v` changes only when a reader of an older version would misread the document. Fields added
/// later keep the version, because readers ignore keys they do not know, so two releases can
/// read each other's state. A reader rejects a version above its own and starts without state.
struct SavedHistories: Codable, Equatable {
    static let currentVersion = 1

    /// The format version.
    var version: Int
    /// Save time in whole seconds since 1970, rounded up.
    var savedAt: Int
    /// Per target identity, such as `Deployment shop/api`.
    var targets: [String: Entry]

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case savedAt = "t"
        case targets = "h"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        savedAt = try container.decode(Int.self, forKey: .savedAt)
        let nested = try container.decode([String: [String: [String: Entry]]].self, forKey: .targets)
        targets = [:]
        for (kind, namespaces) in nested {
            for (namespace, names) in namespaces {
                for (name, entry) in names {
                    targets[Self.identity(kind: kind, namespace: namespace, name: name)] = entry
                }
            }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(savedAt, forKey: .savedAt)
        var nested: [String: [String: [String: Entry]]] = [:]
        for (identity, entry) in targets {
            let (kind, namespace, name) = Self.split(identity)
            nested[kind, default: [:]][namespace, default: [:]][name] = entry
        }
        try container.encode(nested, forKey: .targets)
    }

    /// Splits `Kind namespace/name`; any other identity goes whole into the name, under an
    /// empty kind and namespace.
    static func split(_ identity: String) -> (kind: String, namespace: String, name: String) {
        guard let space = identity.firstIndex(of: " "),
            let slash = identity[space...].firstIndex(of: "/"),
            space != identity.startIndex
        else {
            return ("", "", identity)
        }
        let namespace = identity[identity.index(after: space)..<slash]
        guard !namespace.isEmpty else { return ("", "", identity) }
        return (String(identity[..<space]), String(namespace), String(identity[identity.index(after: slash)...]))
    }

    static func identity(kind: String, namespace: String, name: String) -> String {
        kind.isEmpty && namespace.isEmpty ? name : "\(kind) \(namespace)/\(name)"
    }

    /// One target's history. Lists of pairs are flat: seconds before `t`, then the value.
    struct Entry: Codable, Equatable {
        var startedAgo: Int?
        /// Pairs of age and replicas.
        var recommendations: [Int]?
        /// Pairs of age and change.
        var scaleEvents: [Int]?
        var pendingRecoveryCycles: [String: Int]?
        /// Ages of `since` and `lastTriggered`.
        var panic: [Int]?
        /// Age of the last scale.
        var lastScaleAgo: Int?
        /// The count Headroom last wrote.
        var lastWritten: Int?
        /// Ages of outside overrides by field manager.
        var overrides: [String: [Int]]?
        /// The field manager that stopped Headroom's writes.
        var conflictingManager: String?
        /// Cycles in a row without a valid scale signal, which the fallback count waits for.
        var unavailableCycles: Int?

        enum CodingKeys: String, CodingKey {
            case startedAgo = "s"
            case recommendations = "r"
            case scaleEvents = "e"
            case pendingRecoveryCycles = "p"
            case panic = "x"
            case lastScaleAgo = "l"
            case lastWritten = "w"
            case overrides = "o"
            case conflictingManager = "c"
            case unavailableCycles = "u"
        }
    }

    /// A document that cannot be restored; the loop then starts without history.
    struct Unusable: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    init(histories: [String: ScalingHistory], at now: Date) {
        version = Self.currentVersion
        savedAt = Int(now.timeIntervalSince1970.rounded(.up))
        let base = savedAt
        func age(_ date: Date) -> Int { Int((Double(base) - date.timeIntervalSince1970).rounded(.down)) }
        targets = histories.mapValues { history in
            let recommendations = Self.gapped(
                Self.decisive(history.recommendations).map { (age($0.time), $0.replicas) }
            )
            let events = Self.gapped(history.scaleEvents.sorted { $0.time < $1.time }.map { (age($0.time), $0.change) })
            return Entry(
                startedAgo: history.startedAt.map(age),
                recommendations: recommendations.isEmpty ? nil : recommendations,
                scaleEvents: events.isEmpty ? nil : events,
                pendingRecoveryCycles: history.pendingRecoveryCycles.isEmpty ? nil : history.pendingRecoveryCycles,
                panic: history.panic.map { [age($0.since), age($0.lastTriggered)] },
                lastScaleAgo: history.lastScaleTime.map(age),
                lastWritten: history.outsideWriters.lastWritten,
                overrides: history.outsideWriters.overrides.isEmpty
                    ? nil
                    : Dictionary(grouping: history.outsideWriters.overrides, by: \.manager).mapValues {
                        $0.map { age($0.time) }
                    },
                conflictingManager: history.outsideWriters.conflictingManager,
                unavailableCycles: history.unavailableCycles
            )
        }
    }

    /// Returns the histories by target identity; throws when the version is newer than this
    /// release reads or a list of pairs has an odd length.
    func histories() throws(Unusable) -> [String: ScalingHistory] {
        guard version <= Self.currentVersion, version >= 1 else {
            throw Unusable(
                description: "saved state has format version \(version); this release reads 1 to \(Self.currentVersion)"
            )
        }
        let base = Double(savedAt)
        func date(_ age: Int) -> Date { Date(timeIntervalSince1970: base - Double(age)) }
        func pairs(_ values: [Int]?, _ field: String, _ identity: String) throws(Unusable) -> [(Date, Int)] {
            guard let values else { return [] }
            guard values.count.isMultiple(of: 2) else {
                throw Unusable(description: "saved state for \(identity) has an odd-length '\(field)' list")
            }
            var age = 0
            return stride(from: 0, to: values.count, by: 2).map { index in
                age = index == 0 ? values[index] : age - values[index]
                return (date(age), values[index + 1])
            }
        }
        var result: [String: ScalingHistory] = [:]
        for (identity, entry) in targets {
            var panic: ScalingHistory.PanicState?
            if let ages = entry.panic {
                guard ages.count == 2 else {
                    throw Unusable(
                        description: "saved state for \(identity) has a 'x' list of \(ages.count) values, not 2"
                    )
                }
                panic = ScalingHistory.PanicState(since: date(ages[0]), lastTriggered: date(ages[1]))
            }
            var history = ScalingHistory(
                startedAt: entry.startedAgo.map(date),
                recommendations: try pairs(entry.recommendations, "r", identity).map {
                    ScalingHistory.Recommendation(time: $0.0, replicas: $0.1)
                },
                scaleEvents: try pairs(entry.scaleEvents, "e", identity).map {
                    ScalingHistory.ScaleEvent(time: $0.0, change: $0.1)
                },
                pendingRecoveryCycles: entry.pendingRecoveryCycles ?? [:],
                panic: panic,
                lastScaleTime: entry.lastScaleAgo.map(date),
                outsideWriters: ScalingHistory.OutsideWriters(
                    lastWritten: entry.lastWritten,
                    overrides: (entry.overrides ?? [:])
                        .flatMap { manager, ages in
                            ages.map { ScalingHistory.OutsideWriters.Override(time: date($0), manager: manager) }
                        }
                        .sorted { ($0.time, $0.manager) < ($1.time, $1.manager) },
                    conflictingManager: entry.conflictingManager
                )
            )
            history.unavailableCycles = entry.unavailableCycles
            result[identity] = history
        }
        return result
    }

    /// Keeps the recommendations a stabilization window can still use. The engine takes the
    /// maximum over the scale-down window and the minimum over the scale-up window, both ending
    /// now. A later recommendation is in every window that contains an earlier one, so an
    /// earlier one matters only when it is above every later one or below every later one.
    static func decisive(_ recommendations: [ScalingHistory.Recommendation]) -> [ScalingHistory.Recommendation] {
        let ordered = recommendations.sorted { $0.time < $1.time }
        var decisiveOnes: [ScalingHistory.Recommendation] = []
        var laterMax = Int.min
        var laterMin = Int.max
        for recommendation in ordered.reversed() {
            if recommendation.replicas > laterMax || recommendation.replicas < laterMin {
                decisiveOnes.append(recommendation)
            }
            laterMax = max(laterMax, recommendation.replicas)
            laterMin = min(laterMin, recommendation.replicas)
        }
        return decisiveOnes.reversed()
    }

    /// Flattens (age, value) pairs, oldest first, into the first age, its value, then each gap
    /// to the previous time and its value.
    static func gapped(_ pairs: [(age: Int, value: Int)]) -> [Int] {
        var result: [Int] = []
        var previous = 0
        for (index, pair) in pairs.enumerated() {
            result.append(index == 0 ? pair.age : previous - pair.age)
            result.append(pair.value)
            previous = pair.age
        }
        return result
    }

    /// Encodes with sorted keys, so equal state gives equal bytes.
    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // JSONEncoder fails only on non-finite floating-point values, and this type has none.
        return (try? encoder.encode(self)) ?? Data()
    }

    static func decode(_ data: Data) throws(Unusable) -> SavedHistories {
        do {
            return try JSONDecoder().decode(SavedHistories.self, from: data)
        } catch {
            throw Unusable(description: "saved state is not valid JSON of the expected shape: \(error)")
        }
    }

    /// Splits the histories into documents of at most `maxBytes` each, targets in identity
    /// order, so state larger than one annotation can hold spreads over several objects.
    static func shards(_ histories: [String: ScalingHistory], at now: Date, maxBytes: Int) -> [SavedHistories] {
        let whole = SavedHistories(histories: histories, at: now)
        if whole.encoded().count <= maxBytes { return [whole] }
        let empty = SavedHistories(histories: [:], at: now)
        let overhead = empty.encoded().count
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var result: [SavedHistories] = []
        var current = empty
        var size = overhead
        for identity in whole.targets.keys.sorted() {
            let entry = whole.targets[identity]!
            // The whole identity as a key over-counts the nested form, which shares kind and
            // namespace keys, so a shard stays under `maxBytes`.
            let entrySize = ((try? encoder.encode([identity: entry]).count) ?? 0) - 2 + 1 + 8
            if size + entrySize > maxBytes, !current.targets.isEmpty {
                result.append(current)
                current = empty
                size = overhead
            }
            current.targets[identity] = entry
            size += entrySize
        }
        if !current.targets.isEmpty { result.append(current) }
        return result
    }
}
