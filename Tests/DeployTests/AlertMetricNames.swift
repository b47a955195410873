import Autoscaler
import Foundation
import KubeClient
import Observability

@testable import HeadroomCLI

/// The metric names a PromQL expression selects, found with a small lexer.
///
/// The lexer skips string literals, label matchers in braces, range and subquery brackets,
/// numbers and durations, the label lists after `by`, `without`, `on`, `ignoring`,
/// `group_left` and `group_right`, the duration after `offset`, keywords, and identifiers
/// followed by `(` (functions and aggregations). What remains are the metric names.
enum PromQLNames {
    static let keywords: Set<String> = [
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
        "group_right", "inf", "nan", "atan2",
    ]
    static let labelListKeywords: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]
    static let aggregations: Set<String> = [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
        "quantile",
    ]

    static func metricNames(in expression: String) -> Set<String> {
        let characters = Array(expression.unicodeScalars)
        var names: Set<String> = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\"", "'", "`":
                index = skipString(characters, from: index)
            case "{":
                index = skipBlock(characters, from: index, open: "{", close: "}")
            case "[":
                index = skipBlock(characters, from: index, open: "[", close: "]")
            case "#":
                while index < characters.count && characters[index] != "\n" { index += 1 }
            case _ where isDigit(character) || character == ".":
                while index < characters.count && (isIdentifierPart(characters[index]) || characters[index] == ".") {
                    index += 1
                }
            case _ where isIdentifierStart(character):
                let start = index
                while index < characters.count && isIdentifierPart(characters[index]) { index += 1 }
                let word = String(String.UnicodeScalarView(characters[start..<index]))
                let next = nextWord(characters, from: index)
                if labelListKeywords.contains(word) {
                    if next.character == "(" {
                        index = skipBlock(characters, from: next.index, open: "(", close: ")")
                    }
                } else if word == "offset" {
                    index = next.wordEnd
                } else if keywords.contains(word) || next.character == "(" {
                    continue
                } else if aggregations.contains(word) && (next.word == "by" || next.word == "without") {
                    continue
                } else {
                    names.insert(word)
                }
            default:
                index += 1
            }
        }
        return names
    }

    /// Finds the first character after `index` that is not a space, and returns it with its
    /// position, the word that starts there (empty for no identifier) and the position after it.
    private static func nextWord(
        _ characters: [Unicode.Scalar],
        from index: Int
    ) -> (character: Unicode.Scalar?, index: Int, word: String, wordEnd: Int) {
        var position = index
        while position < characters.count && characters[position].properties.isWhitespace { position += 1 }
        guard position < characters.count else { return (nil, position, "", position) }
        var end = position
        while end < characters.count && (isIdentifierPart(characters[end]) || characters[end] == ".") { end += 1 }
        let word = String(String.UnicodeScalarView(characters[position..<end]))
        return (characters[position], position, word, end)
    }

    /// Returns the index after the closing quote of the string that starts at `index`.
    private static func skipString(_ characters: [Unicode.Scalar], from index: Int) -> Int {
        let quote = characters[index]
        var position = index + 1
        while position < characters.count && characters[position] != quote {
            position += (characters[position] == "\\" && quote != "`") ? 2 : 1
        }
        return position + 1
    }

    /// Returns the index after the `close` that matches the `open` at `index`, skipping strings.
    private static func skipBlock(
        _ characters: [Unicode.Scalar],
        from index: Int,
        open: Unicode.Scalar,
        close: Unicode.Scalar
    ) -> Int {
        var depth = 0
        var position = index
        while position < characters.count {
            let character = characters[position]
            if character == "\"" || character == "'" || character == "`" {
                position = skipString(characters, from: position)
                continue
            }
            if character == open { depth += 1 }
            if character == close {
                depth -= 1
                if depth == 0 { return position + 1 }
            }
            position += 1
        }
        return position
    }

    private static func isDigit(_ character: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(character)
    }

    private static func isIdentifierStart(_ character: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(character) || ("A"..."Z").contains(character) || character == "_" || character == ":"
    }

    private static func isIdentifierPart(_ character: Unicode.Scalar) -> Bool {
        isIdentifierStart(character) || isDigit(character)
    }
}

/// The series names Headroom's `/metrics` can serve, from a registry built the way
/// `headroom run` builds it.
enum HeadroomMetricNames {
    /// Registers every family `headroom run` registers, in the order `RunRuntime` does, and
    /// returns the rendered exposition text.
    static func renderedRegistry() throws -> String {
        let registry = MetricsRegistry()
        let options = try RunOptions.parse(["--policy", "policy.yaml"]).get()
        _ = RunRuntime.makeElector(
            options: options,
            store: UnusedLeaseStore(),
            clock: ManualClock(),
            registry: registry,
            logger: Logger(level: .error, sink: InMemoryLogSink())
        )
        _ = LoopMetrics(registry: registry)
        _ = QueryMetrics(registry: registry)
        _ = PolicyReloadMetrics(registry: registry)
        _ = MetricsEndpoint(registry: registry)
        return registry.render()
    }

    /// Returns the series names from the `# TYPE` lines of `exposition`: a histogram family `x` serves
    /// `x_bucket`, `x_sum` and `x_count`, never `x` itself.
    static func seriesNames(exposition: String) -> Set<String> {
        var names: Set<String> = []
        for line in exposition.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let fields = line.split(separator: " ")
            guard fields.count == 4 else { continue }
            let name = String(fields[2])
            if fields[3] == "histogram" {
                names.formUnion(["\(name)_bucket", "\(name)_sum", "\(name)_count"])
            } else {
                names.insert(name)
            }
        }
        return names
    }

    /// Finds the names passed as string literals to `registry.gauge`, `registry.counter` and
    /// `registry.histogram` anywhere under `Sources`, as a check that the registry above
    /// misses no family. The fleet app, a workload of the proving ground, is left out.
    static func namesRegisteredInSources() throws -> Set<String> {
        let pattern = try NSRegularExpression(
            pattern: #"registry\??\s*\.\s*(gauge|counter|histogram)\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)""#
        )
        var names: Set<String> = []
        let sources = "\(RepositoryFiles.root)/Sources"
        guard let files = FileManager.default.enumerator(atPath: sources) else { return names }
        // The fleet app is the proving ground's workload, not Headroom: its registry is its own.
        let workloads = ["FleetApp/", "fleet-app/"]
        for case let file as String in files
        where file.hasSuffix(".swift") && !workloads.contains(where: { file.hasPrefix($0) }) {
            let text = try RepositoryFiles.read("\(sources)/\(file)")
            let range = NSRange(text.startIndex..., in: text)
            for match in pattern.matches(in: text, range: range) {
                if let name = Range(match.range(at: 2), in: text) { names.insert(String(text[name])) }
            }
        }
        return names
    }
}

/// Never called: without `--leader-elect` no elector is made and no Lease is read.
private struct UnusedLeaseStore: LeaseStore {
    func lease(namespace: String, name: String) async throws(KubeError) -> Lease? { nil }
    func createLease(_ lease: Lease) async throws(KubeError) -> Lease { lease }
    func updateLease(_ lease: Lease) async throws(KubeError) -> Lease { lease }
}

/// Series names of the exporters that the alerts and the dashboard read, each as the exporter's
/// source code names it. Histograms are listed with their `_bucket`, `_sum` and `_count` series.
enum ExporterMetricNames {
    /// prometheus-community/pgbouncer_exporter, `collector.go` (SHOW POOLS, SHOW DATABASES).
    static let pgBouncer: Set<String> = [
        "pgbouncer_up",
        "pgbouncer_pools_client_active_connections",
        "pgbouncer_pools_client_waiting_connections",
        "pgbouncer_pools_server_active_connections",
        "pgbouncer_pools_server_idle_connections",
        "pgbouncer_pools_server_used_connections",
        "pgbouncer_pools_client_maxwait_seconds",
        "pgbouncer_databases_pool_size",
        "pgbouncer_databases_current_connections",
        "pgbouncer_databases_max_connections",
    ]

    /// prometheus-community/postgres_exporter 0.11.1 (Debian 12): settings and pg_stat_activity.
    static let postgres: Set<String> = [
        "pg_up",
        "pg_settings_max_connections",
        "pg_settings_superuser_reserved_connections",
        "pg_stat_activity_count",
    ]

    /// kubernetes/ingress-nginx, `internal/ingress/metric/collectors/socket.go`. The request
    /// counter has no `_total` suffix.
    static let ingressNginx: Set<String> = [
        "nginx_ingress_controller_requests",
        "nginx_ingress_controller_request_duration_seconds_bucket",
        "nginx_ingress_controller_request_duration_seconds_sum",
        "nginx_ingress_controller_request_duration_seconds_count",
    ]

    /// Directus core, `api/src/metrics/lib/create-metrics.ts`: the query time histogram in
    /// milliseconds, named after `DB_CLIENT` (here `pg`), with no labels of its own.
    static let directus: Set<String> = [
        "directus_db_pg_response_time_ms_bucket",
        "directus_db_pg_response_time_ms_sum",
        "directus_db_pg_response_time_ms_count",
    ]

    static let all = pgBouncer.union(postgres).union(ingressNginx).union(directus)
}
