import Foundation
import YAML

extension PolicyReader {
    static let databaseKeys = [
        "name", "exporter", "selector", "maxConnections", "reservedConnections", "margin", "otherClients",
        "activeConnections", "saturationThreshold", "budgetMaxAge", "pgbouncer",
    ]
    static let pgbouncerKeys = [
        "exporter", "selector", "maxClientConnections", "poolSize", "clientsWaiting", "serversActive",
        "saturationCycles",
    ]

    /// Exporters whose metric names Headroom knows, for default queries.
    enum DatabaseExporter: String, CaseIterable {
        /// prometheus-postgres-exporter: `pg_settings_*`, `pg_stat_activity_count`.
        case postgres
    }

    /// Reads the policy's `databases`; entries with a problem are left out (and targets that
    /// name them are rejected by `checkDatabaseReferences`).
    mutating func readDatabases(_ node: YAMLNode?) -> [DatabasePolicy] {
        guard let node else { return [] }
        guard let items = node.items else {
            report(node, "databases", "expected a list of databases, found a \(node.kindName)")
            return []
        }
        var databases: [DatabasePolicy] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "databases[\(index)]"
            guard let database = readDatabase(item, path: path) else { continue }
            if let line = seen[database.name] {
                report(
                    item,
                    path + ".name",
                    "duplicate database \"\(database.name)\" (first at line \(line)); keep one"
                )
                continue
            }
            seen[database.name] = item.mark.line
            databases.append(database)
        }
        return databases
    }

    private mutating func readDatabase(_ node: YAMLNode, path: String) -> DatabasePolicy? {
        guard checkMapping(node, path, allowed: Self.databaseKeys) else { return nil }
        let before = problems.count
        var name: String?
        if let nameNode = node["name"] {
            name = string(nameNode, path + ".name")
        } else {
            report(node, path + ".name", "missing key \"name\": name the database so targets can refer to it")
        }
        let exporter = node["exporter"].flatMap { choice($0, path + ".exporter", as: DatabaseExporter.self) }
        let selector = node["selector"].flatMap { string($0, path + ".selector") } ?? ""
        if let selectorNode = node["selector"], !selector.isEmpty {
            _ = checkDatabaseQuery(selectorNode, path + ".selector", Self.postgresQueries(selector: selector).active)
        }
        let defaults = exporter.map { _ in Self.postgresQueries(selector: selector) }

        func value(_ key: String, fallback: DatabaseValue?) -> DatabaseValue? {
            guard let valueNode = node[key] else { return fallback }
            return databaseValue(valueNode, path + "." + key)
        }
        let maxConnections = value("maxConnections", fallback: defaults.map { .query($0.maxConnections) })
        if node["maxConnections"] == nil, node["exporter"] == nil, node["pgbouncer"] == nil {
            report(
                node,
                path + ".maxConnections",
                "missing key \"maxConnections\": set PostgreSQL's max_connections, {query: ...}, or exporter: postgres "
                    + "to read pg_settings_max_connections"
            )
        }
        let reserved = value("reservedConnections", fallback: defaults.map { .query($0.reserved) } ?? .fixed(3))
        let others = value("otherClients", fallback: .fixed(0)) ?? .fixed(0)
        var margin = ConnectionMargin.connections(0)
        if let marginNode = node["margin"] {
            if marginNode.scalar?.intValue != nil {
                margin =
                    int(marginNode, path + ".margin", in: 0...1_000_000).map(ConnectionMargin.connections) ?? margin
            } else if let share = fraction(marginNode, path + ".margin", allowed: "below 100%", where: { $0 < 1 }) {
                margin = .fraction(share)
            }
        }
        var active = defaults?.active
        if let activeNode = node["activeConnections"] {
            active = readQueryOnly(activeNode, path + ".activeConnections")
        }
        var threshold = DatabasePolicy.defaultSaturationThreshold
        if let thresholdNode = node["saturationThreshold"],
            let share = fraction(
                thresholdNode,
                path + ".saturationThreshold",
                allowed: "above 0% and at most 100%",
                where: { $0 > 0 && $0 <= 1 }
            )
        {
            threshold = share
        }
        var maxAge = DatabasePolicy.defaultBudgetMaxAgeSeconds
        if let ageNode = node["budgetMaxAge"], let seconds = wholeSeconds(ageNode, path + ".budgetMaxAge") {
            maxAge = seconds
        }
        if let limit = maxConnections?.fixedValue, limit > 0, let reservedCount = reserved?.fixedValue,
            reservedCount >= limit
        {
            // PostgreSQL itself refuses to start when superuser_reserved_connections is not below
            // max_connections.
            report(
                node["reservedConnections"] ?? node,
                path + ".reservedConnections",
                "reservedConnections \(Decision.format(reservedCount)) is not below maxConnections "
                    + "\(Decision.format(limit)), which PostgreSQL does not accept; use PostgreSQL's "
                    + "superuser_reserved_connections (default 3)"
            )
        }
        let pgbouncer = node["pgbouncer"].flatMap { readPgBouncer($0, path: path + ".pgbouncer") }
        guard problems.count == before, let name else { return nil }
        return DatabasePolicy(
            name: name,
            maxConnections: maxConnections ?? .fixed(0),
            reservedConnections: reserved ?? .fixed(3),
            margin: margin,
            otherClients: others,
            activeConnectionsQuery: active,
            saturationThreshold: threshold,
            budgetMaxAgeSeconds: maxAge,
            pgbouncer: pgbouncer
        )
    }

    private mutating func readPgBouncer(_ node: YAMLNode, path: String) -> PgBouncerPolicy? {
        guard checkMapping(node, path, allowed: Self.pgbouncerKeys) else { return nil }
        let before = problems.count
        let exporter =
            node["exporter"].flatMap { value -> Bool? in
                guard let flag = value.scalar?.boolValue else {
                    report(value, path + ".exporter", "invalid value \(Self.quote(value)): expected true or false")
                    return nil
                }
                return flag
            } ?? false
        let selector = node["selector"].flatMap { string($0, path + ".selector") } ?? ""
        if let selectorNode = node["selector"], !selector.isEmpty {
            let sample = Self.withSelector("sum(pgbouncer_pools_server_active_connections)", selector)
            _ = checkDatabaseQuery(selectorNode, path + ".selector", sample)
        }
        func required(_ key: String, _ hint: String) -> DatabaseValue? {
            guard let valueNode = node[key] else {
                report(node, path + "." + key, "missing key \"\(key)\": \(hint)")
                return nil
            }
            return databaseValue(valueNode, path + "." + key, minimum: 1)
        }
        let clients = required("maxClientConnections", "set PgBouncer's max_client_conn (default 100) or {query: ...}")
        let poolSize = required("poolSize", "set PgBouncer's default_pool_size (default 20) or {query: ...}")
        func query(_ key: String, fallback: String) -> String? {
            guard let valueNode = node[key] else { return exporter ? fallback : nil }
            return readQueryOnly(valueNode, path + "." + key)
        }
        let waiting = query(
            "clientsWaiting",
            fallback: Self.withSelector("sum(pgbouncer_pools_client_waiting_connections)", selector)
        )
        let active = query(
            "serversActive",
            fallback: Self.withSelector("sum(pgbouncer_pools_server_active_connections)", selector)
        )
        let cycles = node["saturationCycles"].flatMap { int($0, path + ".saturationCycles", in: 1...100) } ?? 2
        guard problems.count == before, let clients, let poolSize else { return nil }
        return PgBouncerPolicy(
            maxClientConnections: clients,
            poolSize: poolSize,
            clientsWaitingQuery: waiting,
            serversActiveQuery: active,
            saturationCycles: cycles
        )
    }

    /// Reads `{query: <PromQL>}` for a value that changes every cycle, so a number makes no sense.
    private mutating func readQueryOnly(_ node: YAMLNode, _ path: String) -> String? {
        guard node.pairs != nil else {
            let key = path.split(separator: ".").last.map(String.init) ?? path
            report(
                node,
                path,
                "invalid value \(Self.quote(node)): \(key) changes every cycle, so it is read with PromQL; "
                    + "write {query: <PromQL>}"
            )
            return nil
        }
        return databaseValue(node, path)?.query
    }

    /// Returns the Postgres exporter's default queries, with `selector` inside each selector's braces.
    static func postgresQueries(selector: String) -> (maxConnections: String, reserved: String, active: String) {
        (
            withSelector("max(pg_settings_max_connections)", selector),
            withSelector("max(pg_settings_superuser_reserved_connections)", selector),
            withSelector("sum(pg_stat_activity_count{state=\"active\"})", selector)
        )
    }

    /// Inserts `selector` (such as `instance="db-0:9187"`) into the one metric selector of `query`.
    /// Braces around the selector, as in `{instance="db-0:9187"}`, are dropped because the
    /// query has its own.
    static func withSelector(_ query: String, _ selector: String) -> String {
        var trimmed = selector.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("{"), trimmed.hasSuffix("}") {
            trimmed = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }
        guard !trimmed.isEmpty else { return query }
        if let brace = query.firstIndex(of: "}") {
            return query[..<brace] + ", " + trimmed + query[brace...]
        }
        guard let close = query.lastIndex(of: ")") else { return query + "{" + trimmed + "}" }
        return query[..<close] + "{" + trimmed + "}" + query[close...]
    }

    /// Rejects targets that name a database the policy does not define, and targets of a
    /// database whose fixed budget cannot hold every target's `minReplicas × poolSize`.
    mutating func checkDatabaseReferences(
        _ targets: [(index: Int, node: YAMLNode, target: TargetPolicy?)],
        databases: [DatabasePolicy],
        declared: Set<String>
    ) {
        let names = databases.map(\.name)
        var byDatabase: [String: [(index: Int, node: YAMLNode, target: TargetPolicy)]] = [:]
        for entry in targets {
            guard let target = entry.target, let binding = target.database else { continue }
            targetIndex = entry.index
            let node = entry.node["database"]?["name"] ?? entry.node
            if !names.contains(binding.name) {
                var message = "database \"\(binding.name)\" has a problem of its own (see above); fix it"
                if !declared.contains(binding.name) {
                    message = "no database named \"\(binding.name)\" under databases"
                    if names.isEmpty {
                        message += "; add one with that name"
                    } else {
                        if let suggestion = EditDistance.suggestion(for: binding.name, among: names) {
                            message += "; did you mean \"\(suggestion)\"?"
                        }
                        message =
                            Self.continued(message)
                            + "Use a name from databases (\(names.joined(separator: ", "))) or add \"\(binding.name)\" there"
                    }
                }
                report(node, "targets[\(entry.index)].database.name", message)
                continue
            }
            byDatabase[binding.name, default: []].append((entry.index, entry.node, target))
        }
        targetIndex = nil
        for database in databases {
            guard let members = byDatabase[database.name],
                let usable = Self.fixedUsableConnections(database)
            else { continue }
            // The engine rounds a pool size up to whole connections, and so does this check.
            let pools = members.compactMap { $0.target.database?.poolSize.fixedValue?.rounded(.up) }
            guard pools.count == members.count else { continue }
            let needed = zip(members, pools).reduce(0.0) { $0 + Double($1.0.target.minReplicas) * $1.1 }
            guard needed > usable else { continue }
            for member in members {
                targetIndex = member.index
                report(
                    member.node["minReplicas"] ?? member.node,
                    "targets[\(member.index)].minReplicas",
                    "the minReplicas × poolSize of the targets of database \"\(database.name)\" add up to "
                        + "\(Decision.format(needed)) connections, more than its \(Decision.format(usable)) usable ones; "
                        + "lower minReplicas or poolSize, or raise the database's limit"
                )
            }
        }
        targetIndex = nil
    }

    /// Usable connections of a database whose limits are all fixed, or `nil`.
    static func fixedUsableConnections(_ database: DatabasePolicy) -> Double? {
        // The engine's own budget arithmetic, run without readings: it gives a number only when
        // every value the budget needs is fixed.
        var fixedOnly = database
        fixedOnly.activeConnectionsQuery = nil
        fixedOnly.pgbouncer?.clientsWaitingQuery = nil
        fixedOnly.pgbouncer?.serversActiveQuery = nil
        if fixedOnly.pgbouncer != nil, fixedOnly.pgbouncer?.maxClientConnections.fixedValue == nil { return nil }
        if fixedOnly.pgbouncer == nil,
            fixedOnly.maxConnections.fixedValue == nil || fixedOnly.reservedConnections.fixedValue == nil
        {
            return nil
        }
        guard fixedOnly.otherClients.fixedValue != nil else { return nil }
        let status = ConnectionBudget.evaluate(
            fixedOnly,
            readings: [:],
            memory: DatabaseMemory(),
            now: Date(timeIntervalSince1970: 0)
        ).status
        return status.usable.map(Double.init)
    }
}
