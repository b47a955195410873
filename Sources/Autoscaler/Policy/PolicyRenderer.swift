import Foundation
import YAML

/// Builds the normalized form of a validated policy. Every field is written out with its default
/// filled in, so an operator sees exactly what the engine uses, and the text loads back into the
/// same targets and databases.
///
/// Derived signals (role `panic` and `poolSize`) are left out: the loader makes them again from
/// a target's `panic` and `database.poolSize`, and their names are not valid signal names.
/// A database's `exporter` and `selector` are not written either: their default queries are
/// written out in full instead.
public enum PolicyRenderer {
    /// Renders the whole `ScalingPolicy` document of a loaded policy as YAML text.
    public static func render(_ result: PolicyLoadResult) -> String {
        render(result.targets, databases: result.databases, scrapeIntervalSeconds: result.scrapeIntervalSeconds)
    }

    /// Renders the whole `ScalingPolicy` document for `targets` and the `databases` they draw
    /// from as YAML text. `scrapeIntervalSeconds` is written because panic windows are checked
    /// against it when the text is loaded again.
    public static func render(
        _ targets: [TargetPolicy],
        databases: [DatabasePolicy] = [],
        scrapeIntervalSeconds: Double = PolicyLoader.defaultScrapeIntervalSeconds
    ) -> String {
        YAMLEmitter.render(document(targets, databases: databases, scrapeIntervalSeconds: scrapeIntervalSeconds))
    }

    public static func document(
        _ targets: [TargetPolicy],
        databases: [DatabasePolicy] = [],
        scrapeIntervalSeconds: Double = PolicyLoader.defaultScrapeIntervalSeconds
    ) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [
            ("apiVersion", .string(PolicyLoader.apiVersion)),
            ("kind", .string(PolicyLoader.kind)),
            ("scrapeInterval", duration(scrapeIntervalSeconds)),
        ]
        if !databases.isEmpty { entries.append(("databases", .list(databases.map(node)))) }
        entries.append(("targets", .list(targets.map(node))))
        return .map(entries)
    }

    static func node(_ target: TargetPolicy) -> YAMLNode {
        let written = target.signals.filter { $0.role == .scale || $0.role == .guard }
        var entries: [(String, YAMLNode)] = [
            ("kind", .string(target.kind.rawValue)),
            ("namespace", .string(target.namespace)),
            ("name", .string(target.name)),
            ("minReplicas", .int(target.minReplicas)),
            ("maxReplicas", .int(target.maxReplicas)),
            ("mode", .string(target.mode.rawValue)),
            ("signals", .list(written.map(node))),
            (
                "behavior",
                .map([
                    ("scaleUp", node(target.behavior.scaleUp)),
                    ("scaleDown", node(target.behavior.scaleDown)),
                ])
            ),
            ("coldStart", node(target.coldStart)),
        ]
        if let binding = target.database { entries.append(("database", node(binding))) }
        if let panic = target.panic { entries.append(("panic", node(panic))) }
        if !target.schedules.isEmpty { entries.append(("schedules", .list(target.schedules.map(node)))) }
        if let fallback = target.fallback {
            entries.append(
                (
                    "fallback",
                    .map([
                        ("replicas", .int(fallback.replicas)), ("afterFailedCycles", .int(fallback.afterFailedCycles)),
                    ])
                )
            )
        }
        return .map(entries)
    }

    static func node(_ signal: SignalPolicy) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [("name", .string(signal.name))]
        if let preset = signal.preset { entries.append(("preset", .string(preset))) }
        entries.append(("query", .string(signal.query)))
        let labels = signal.labels.sorted { $0.key < $1.key }.map { ($0.key, YAMLNode.string($0.value)) }
        entries.append(("labels", .map(labels)))
        entries.append(("role", .string(signal.role.rawValue)))
        entries.append(("target", .string(signal.target.text)))
        entries.append(("resultUnit", .string(signal.resultUnit.rawValue)))
        if let rule = signal.rule { entries.append(("rule", .string(rule.rawValue))) }
        if signal.rule == .latencyStep { entries.append(("maxStepFactor", .double(signal.maxStepFactor))) }
        entries.append(("maxSampleAge", duration(signal.maxSampleAgeSeconds)))
        entries.append(("onEmpty", .string(signal.onEmpty.rawValue)))
        entries.append(("recoveryCycles", .int(signal.recoveryCycles)))
        entries.append(("scope", .string(signal.scope.rawValue)))
        entries.append(("category", .string(signal.category.rawValue)))
        return .map(entries)
    }

    static func node(_ rules: ScalingRules) -> YAMLNode {
        let policies = rules.policies.map { policy in
            YAMLNode.map([
                ("type", .string(policy.type.rawValue)),
                ("value", .int(policy.value)),
                ("periodSeconds", .int(policy.periodSeconds)),
            ])
        }
        return .map([
            ("stabilizationWindowSeconds", .int(rules.stabilizationWindowSeconds)),
            ("selectPolicy", .string(rules.selectPolicy.rawValue)),
            ("policies", .list(policies)),
            ("tolerance", .double(rules.tolerance)),
        ])
    }

    /// Writes a target's cold start. `maxStartingPods` is left out when there is no cap (the
    /// default), because no value spells "no cap".
    static func node(_ coldStart: ColdStartPolicy) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [
            ("warmup", duration(Double(coldStart.warmupSeconds))),
            ("initialCapacity", share(coldStart.initialCapacity)),
            ("pendingTimeout", duration(Double(coldStart.pendingTimeoutSeconds))),
        ]
        switch coldStart.maxStartingPods {
        case .pods(let count): entries.append(("maxStartingPods", .int(count)))
        case .percent(let percent): entries.append(("maxStartingPods", .string("\(percent)%")))
        case nil: break
        }
        return .map(entries)
    }

    static func node(_ binding: DatabaseBinding) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [
            ("name", .string(binding.name)),
            ("poolSize", node(binding.poolSize)),
        ]
        if let waiting = binding.poolWaitingSignal { entries.append(("poolWaitingSignal", .string(waiting))) }
        return .map(entries)
    }

    static func node(_ panic: PanicPolicy) -> YAMLNode {
        .map(
            [
                ("signal", .string(panic.signal)),
                ("window", duration(panic.windowSeconds)),
                ("threshold", .double(panic.threshold)),
                ("stableWindow", duration(Double(panic.stableWindowSeconds))),
            ] + (panic.lookaheadSeconds > 0 ? [("lookahead", duration(panic.lookaheadSeconds))] : [])
        )
    }

    /// Writes a scheduled floor. A one-off moment written with its offset is written back in UTC.
    static func node(_ schedule: ScheduledFloor) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [
            ("name", .string(schedule.name)),
            ("replicas", .int(schedule.replicas)),
        ]
        switch schedule.timing {
        case .once(let start, let end):
            entries.append(("start", .string(text(start))))
            entries.append(("end", .string(text(end))))
        case .daily(let start, let end, let days):
            entries.append(("start", .string(start.description)))
            entries.append(("end", .string(end.description)))
            if !days.isEmpty, days.count < ScheduledFloor.Weekday.allCases.count {
                entries.append(("days", .list(days.map { .string($0.rawValue) })))
            }
        }
        if schedule.leadSeconds > 0 { entries.append(("leadTime", duration(Double(schedule.leadSeconds)))) }
        entries.append(("timeZone", .string(schedule.timeZone.identifier)))
        return .map(entries)
    }

    static func text(_ moment: ScheduledFloor.Moment) -> String {
        switch moment {
        case .local(let local):
            return local.description
        case .instant(let date):
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            return formatter.string(from: date)
        }
    }

    /// Writes a database. Behind PgBouncer a `maxConnections` of 0 means the policy left it out,
    /// and PostgreSQL's side is then not checked, so it is left out here too.
    static func node(_ database: DatabasePolicy) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [("name", .string(database.name))]
        if database.pgbouncer == nil || database.maxConnections != .fixed(0) {
            entries.append(("maxConnections", node(database.maxConnections)))
        }
        entries.append(("reservedConnections", node(database.reservedConnections)))
        switch database.margin {
        case .connections(let count): entries.append(("margin", .int(count)))
        case .fraction(let fraction): entries.append(("margin", share(fraction)))
        }
        entries.append(("otherClients", node(database.otherClients)))
        if let query = database.activeConnectionsQuery {
            entries.append(("activeConnections", .map([("query", .string(query))])))
        }
        entries.append(("saturationThreshold", share(database.saturationThreshold)))
        entries.append(("budgetMaxAge", duration(Double(database.budgetMaxAgeSeconds))))
        if let pgbouncer = database.pgbouncer { entries.append(("pgbouncer", node(pgbouncer))) }
        return .map(entries)
    }

    static func node(_ pgbouncer: PgBouncerPolicy) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [
            ("maxClientConnections", node(pgbouncer.maxClientConnections)),
            ("poolSize", node(pgbouncer.poolSize)),
        ]
        if let query = pgbouncer.clientsWaitingQuery {
            entries.append(("clientsWaiting", .map([("query", .string(query))])))
        }
        if let query = pgbouncer.serversActiveQuery {
            entries.append(("serversActive", .map([("query", .string(query))])))
        }
        entries.append(("saturationCycles", .int(pgbouncer.saturationCycles)))
        return .map(entries)
    }

    static func node(_ value: DatabaseValue) -> YAMLNode {
        switch value {
        case .fixed(let number): .double(number)
        case .query(let query): .map([("query", .string(query))])
        }
    }

    static func duration(_ seconds: Double) -> YAMLNode {
        .string(PolicyDuration.format(seconds: seconds))
    }

    /// Writes a share as a percentage (`7%`) when that reads back as the same number, else as
    /// the plain fraction (`0.3333333333333333`), which the loader also accepts. The percentage
    /// is tried rounded first, because `0.07 × 100` is `7.000000000000001` in binary floating point.
    static func share(_ fraction: Double) -> YAMLNode {
        let percent = fraction * 100
        for candidate in [(percent * 1e9).rounded() / 1e9, percent] {
            guard let text = YAMLNode.double(candidate).scalar?.value, let number = Double(text) else { continue }
            if number / 100 == fraction { return .string(text + "%") }
        }
        return .double(fraction)
    }
}
