import Autoscaler
import Testing

/// Wrong backpressure keys: each problem names the key path, the value and the fix, and
/// rejects only the target it belongs to.
struct PolicyBackpressureErrorTests {
    /// A scale signal over a 1 m range and the 5xx guard, as most cases below use.
    static let signals = """
        [{name: requests, query: 'sum(rate(http_requests_total{namespace="{{namespace}}"}[1m]))', target: "50", \
        rule: perReplica}, {name: errors, preset: ingressNginx5xxRatio}]
        """

    /// Builds a policy with one target `cms/directus` that has `signals` and the target keys in
    /// `extra`, each line indented by four spaces. `header` goes before `targets`.
    static func policy(header: String = "", signals: String = signals, extra: String = "") -> String {
        """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        \(header)
        targets:
          - namespace: cms
            name: directus
            maxReplicas: 10
            signals: \(signals)
        \(extra)
        """
    }

    /// A policy and the one problem it must have, as `path: message`.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let problem: String
        var testDescription: String { name }
    }

    static let targetCases: [Case] = [
        Case(
            name: "panic window below two scrape intervals",
            text: policy(header: "scrapeInterval: 10s", extra: "    panic: {signal: requests, window: 15s}"),
            problem: "targets[0].panic.window: window 15s is shorter than two scrape intervals (20s with "
                + "scrapeInterval 10s), so rate() over it returns no data; use at least 20s"
        ),
        Case(
            name: "panic.signal not a signal",
            text: policy(extra: "    panic: {signal: request}"),
            problem: "targets[0].panic.signal: panic.signal \"request\" is not a signal of this target; "
                + "did you mean \"requests\"? Signals: requests, errors"
        ),
        Case(
            name: "panic on a guard",
            text: policy(extra: "    panic: {signal: errors}"),
            problem: "targets[0].panic.signal: panic.signal \"errors\" is a guard, which proposes no replicas; "
                + "name a scale signal: requests"
        ),
        Case(
            name: "panic on a query with no range",
            text: policy(
                signals: "[{name: queue, query: 'sum(queue_depth{namespace=\"{{namespace}}\"})', target: \"20\", "
                    + "rule: perReplica}]",
                extra: "    panic: {signal: queue}"
            ),
            problem: "targets[0].panic.signal: signal \"queue\": the query has no range selector such as [1m] to "
                + "shorten; panic needs a rate() or another function over a range"
        ),
        Case(
            name: "panic on a subquery",
            text: policy(
                signals: "[{name: rate, query: 'max_over_time(sum(rate(a_total{namespace=\"{{namespace}}\"}[1m]))"
                    + "[5m:30s])', target: \"50\", rule: perReplica}]",
                extra: "    panic: {signal: rate}"
            ),
            problem: "targets[0].panic.signal: signal \"rate\": the query has a subquery [5m:30s]; panic needs "
                + "plain range selectors such as [1m]"
        ),
        Case(
            name: "scope pod with rule perReplica",
            text: policy(
                signals: "[{name: rate, query: 'sum(rate(a_total{namespace=\"{{namespace}}\"}[1m]))', target: \"50\", "
                    + "rule: perReplica, scope: pod}]"
            ),
            problem: "targets[0].signals[0].scope: scope pod does not go with rule perReplica: a per-replica total "
                + "is demand, which the query should sum over the fleet; use scope fleet, or rule utilization or "
                + "latencyStep"
        ),
        Case(
            name: "role panic written by hand",
            text: policy(
                signals: "[{name: requests, query: 'sum(rate(a_total[1m]))', target: \"50\", rule: perReplica}, "
                    + "{name: copy, query: 'sum(rate(a_total[30s]))', target: \"50\", role: panic}]"
            ),
            problem: "targets[0].signals[1].role: role panic is made by Headroom, not written: use the target's "
                + "panic.signal instead; roles are scale and guard"
        ),
        Case(
            name: "role poolSize written by hand",
            text: policy(
                signals: "[{name: requests, query: 'sum(rate(a_total[1m]))', target: \"50\", rule: perReplica}, "
                    + "{name: pool, query: 'max(pool_max)', target: \"10\", role: poolSize}]"
            ),
            problem: "targets[0].signals[1].role: role poolSize is made by Headroom, not written: use the target's "
                + "database.poolSize instead; roles are scale and guard"
        ),
        Case(
            name: "database.name unknown",
            text: policy(
                header: "databases: [{name: main, maxConnections: 100}]",
                extra: "    database: {name: mian, poolSize: 10}"
            ),
            problem: "targets[0].database.name: no database named \"mian\" under databases; did you mean \"main\"? "
                + "Use a name from databases (main) or add \"mian\" there"
        ),
        Case(
            name: "database.name with no databases",
            text: policy(extra: "    database: {name: main, poolSize: 10}"),
            problem: "targets[0].database.name: no database named \"main\" under databases; add one with that name"
        ),
        Case(
            name: "poolWaitingSignal unknown",
            text: policy(
                header: "databases: [{name: main, maxConnections: 100}]",
                extra: "    database: {name: main, poolSize: 10, poolWaitingSignal: waiters}"
            ),
            problem: "targets[0].database.poolWaitingSignal: poolWaitingSignal \"waiters\" is not a signal of this "
                + "target; add a signal with that name (a guard works) or remove the key"
        ),
        Case(
            name: "poolWaitingSignal names the derived panic signal",
            text: policy(
                header: "databases: [{name: main, maxConnections: 100}]",
                extra: "    database: {name: main, poolSize: 10, poolWaitingSignal: requests@panic}\n"
                    + "    panic: {signal: requests}"
            ),
            problem: "targets[0].database.poolWaitingSignal: poolWaitingSignal \"requests@panic\" is not a signal of "
                + "this target; add a signal with that name (a guard works) or remove the key"
        ),
        Case(
            name: "poolSize below 1",
            text: policy(
                header: "databases: [{name: main, maxConnections: 100}]",
                extra: "    database: {name: main, poolSize: 0}"
            ),
            problem: "targets[0].database.poolSize: invalid value \"0\": must be from 1 to 1000000000, or "
                + "{query: <PromQL>}"
        ),
    ]

    /// Each case has exactly its one problem, and its target is rejected.
    @Test(arguments: targetCases)
    func targetProblem(_ entry: Case) throws {
        let result = try PolicyLoader.load(text: entry.text, file: "policy.yaml")
        #expect(result.problems.map { "\($0.path): \($0.message)" } == [entry.problem])
        #expect(result.problems.first?.targetIndex == 0)
        #expect(result.targets.isEmpty)
        #expect(result.declaredTargetCount == 1)
    }

    /// The panic problems point at the value of `panic.signal`, line 9 column 21 of
    /// `    panic: {signal: request}`.
    @Test func panicProblemPointsAtTheSignal() throws {
        let result = try PolicyLoader.load(text: Self.policy(extra: "    panic: {signal: request}"), file: "p.yaml")
        let problem = try #require(result.problems.first)
        #expect((problem.line, problem.column) == (9, 21))
    }

    static let percentCases: [Case] = [
        Case(
            name: "margin of 100%",
            text: policy(header: "databases: [{name: main, maxConnections: 100, margin: 100%}]"),
            problem: "databases[0].margin: invalid value \"100%\": expected a percentage below 100%, such as 10%"
        ),
        Case(
            name: "saturationThreshold of 0%",
            text: policy(header: "databases: [{name: main, maxConnections: 100, saturationThreshold: 0%}]"),
            problem: "databases[0].saturationThreshold: invalid value \"0%\": expected a percentage above 0% and at "
                + "most 100%, such as 10%"
        ),
        Case(
            name: "saturationThreshold in words",
            text: policy(header: "databases: [{name: main, maxConnections: 100, saturationThreshold: ninety%}]"),
            problem: "databases[0].saturationThreshold: invalid value \"ninety%\": expected a percentage above 0% "
                + "and at most 100%, such as 10%"
        ),
        Case(
            name: "missing maxConnections without exporter",
            text: policy(header: "databases: [{name: main, margin: 10%}]"),
            problem: "databases[0].maxConnections: missing key \"maxConnections\": set PostgreSQL's max_connections, "
                + "{query: ...}, or exporter: postgres to read pg_settings_max_connections"
        ),
        Case(
            name: "misspelled exporter, without a second problem for maxConnections",
            text: policy(header: "databases: [{name: main, exporter: postgress}]"),
            problem: "databases[0].exporter: invalid value \"postgress\"; did you mean \"postgres\"? "
                + "Allowed values: postgres"
        ),
        Case(
            name: "activeConnections as a number",
            text: policy(header: "databases: [{name: main, maxConnections: 100, activeConnections: 80}]"),
            problem: "databases[0].activeConnections: invalid value \"80\": activeConnections changes every cycle, "
                + "so it is read with PromQL; write {query: <PromQL>}"
        ),
        Case(
            name: "clientsWaiting as a number",
            text: policy(
                header: "databases: [{name: main, pgbouncer: {maxClientConnections: 100, poolSize: 20, "
                    + "clientsWaiting: 3}}]"
            ),
            problem: "databases[0].pgbouncer.clientsWaiting: invalid value \"3\": clientsWaiting changes every "
                + "cycle, so it is read with PromQL; write {query: <PromQL>}"
        ),
        Case(
            name: "budget query with an unterminated string",
            text: policy(header: "databases: [{name: main, maxConnections: {query: 'max(pg_up{job=\"pg)'}}]"),
            problem: "databases[0].maxConnections.query: invalid query \"max(pg_up{job=\"pg)\": a string literal "
                + "is not terminated"
        ),
        Case(
            name: "budget query with an unknown placeholder",
            text: policy(
                header: "databases: [{name: main, maxConnections: {query: 'max(pg_up{job=\"{{job}}\"})'}}]"
            ),
            problem:
                "databases[0].maxConnections.query: unknown placeholder {{job}} in \"max(pg_up{job=\"{{job}}\"})\": "
                + "only {{namespace}} and {{name}} are known"
        ),
    ]

    /// A database with a problem is left out with exactly that problem; the target that uses
    /// no database stays valid.
    @Test(arguments: percentCases)
    func databaseProblem(_ entry: Case) throws {
        let result = try PolicyLoader.load(text: entry.text, file: "policy.yaml")
        #expect(result.problems.map { "\($0.path): \($0.message)" } == [entry.problem])
        #expect(result.problems.first?.targetIndex == nil)
        #expect(result.databases.isEmpty)
        #expect(result.targets.map(\.name) == ["directus"])
    }

    /// Bad shares of a target's cold start.
    @Test(arguments: [
        ("initialCapacity: 150%", "invalid value \"150%\": expected a percentage from 0% to 100%, such as 10%"),
        ("initialCapacity: -5%", "invalid value \"-5%\": expected a percentage from 0% to 100%, such as 10%"),
        ("initialCapacity: half", "invalid value \"half\": expected a percentage from 0% to 100%, such as 10%"),
    ])
    func badInitialCapacity(key: String, message: String) throws {
        let result = try PolicyLoader.load(text: Self.policy(extra: "    coldStart: {\(key)}"), file: "p.yaml")
        #expect(
            result.problems.map { "\($0.path): \($0.message)" } == ["targets[0].coldStart.initialCapacity: \(message)"]
        )
        #expect(result.targets.isEmpty)
    }

    /// Anything but a count of 1 or more or a whole percentage from 1 % to 1000 %.
    @Test(arguments: ["0", "-1", "2.5", "0%", "1001%", "12.5%", "four", "99999999999999999999"])
    func badMaxStartingPods(value: String) throws {
        let result = try PolicyLoader.load(
            text: Self.policy(extra: "    coldStart: {maxStartingPods: \(value)}"),
            file: "p.yaml"
        )
        #expect(
            result.problems.map { "\($0.path): \($0.message)" } == [
                "targets[0].coldStart.maxStartingPods: invalid value \"\(value)\": expected a pod count of 1 or more "
                    + "(such as 4) or a whole percentage of the Ready pods from 1% to 1000% (such as 25%)"
            ]
        )
        #expect(result.targets.isEmpty)
    }

    /// An unknown key under databases gets "did you mean" and the allowed keys; one under
    /// pgbouncer gets its own list. The misspelled maxConnections is also missing.
    @Test func unknownKeysInDatabases() throws {
        let text = Self.policy(
            header: """
                databases:
                  - name: main
                    maxConnection: 100
                  - name: pooled
                    pgbouncer: {maxClientConnection: 100, poolSize: 20}
                """
        )
        let result = try PolicyLoader.load(text: text, file: "p.yaml")
        #expect(
            result.problems.map { "\($0.line):\($0.column) \($0.path): \($0.message)" } == [
                "4:5 databases[0].maxConnections: missing key \"maxConnections\": set PostgreSQL's max_connections, "
                    + "{query: ...}, or exporter: postgres to read pg_settings_max_connections",
                "5:5 databases[0].maxConnection: unknown key \"maxConnection\"; did you mean \"maxConnections\"? "
                    + "Allowed keys: name, exporter, selector, maxConnections, reservedConnections, margin, "
                    + "otherClients, activeConnections, saturationThreshold, budgetMaxAge, pgbouncer",
                "7:16 databases[1].pgbouncer.maxClientConnections: missing key \"maxClientConnections\": set "
                    + "PgBouncer's max_client_conn (default 100) or {query: ...}",
                "7:17 databases[1].pgbouncer.maxClientConnection: unknown key \"maxClientConnection\"; did you mean "
                    + "\"maxClientConnections\"? Allowed keys: exporter, selector, maxClientConnections, poolSize, "
                    + "clientsWaiting, serversActive, saturationCycles",
            ]
        )
        #expect(result.databases.isEmpty)
    }

    /// A target that names a database with a problem of its own is rejected with a pointer to it.
    @Test func targetOfABrokenDatabase() throws {
        let text = Self.policy(
            header: "databases: [{name: main}]",
            extra: "    database: {name: main, poolSize: 10}"
        )
        let result = try PolicyLoader.load(text: text, file: "p.yaml")
        #expect(
            result.problems.map { "\($0.path): \($0.message)" } == [
                "databases[0].maxConnections: missing key \"maxConnections\": set PostgreSQL's max_connections, "
                    + "{query: ...}, or exporter: postgres to read pg_settings_max_connections",
                "targets[0].database.name: database \"main\" has a problem of its own (see above); fix it",
            ]
        )
        #expect(result.targets.isEmpty)
    }

    /// max_connections 100 − 3 reserved − 10 (10 %) − 5 others = 82 usable. Targets a and b
    /// need 4 × 10 + 4 × 11 = 84 (b's pool of 10.5 counts as 11 connections, as the engine
    /// rounds it): both are rejected. Target c uses no database and d uses another one with
    /// room (PgBouncer: 100 − 10 (10 %) = 90 usable for 8 × 10 = 80); both stay.
    @Test func fixedBudgetSmallerThanMinimums() throws {
        let text = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            databases:
              - {name: main, maxConnections: 100, margin: 10%, otherClients: 5}
              - {name: pooled, margin: 10%, pgbouncer: {maxClientConnections: 100, poolSize: 20}}
            targets:
              - {namespace: cms, name: a, minReplicas: 4, maxReplicas: 10, signals: [{preset: bullmqWaitingJobs}],
                 database: {name: main, poolSize: 10}}
              - {namespace: cms, name: b, minReplicas: 4, maxReplicas: 10, signals: [{preset: bullmqWaitingJobs}],
                 database: {name: main, poolSize: 10.5}}
              - {namespace: cms, name: c, minReplicas: 4, maxReplicas: 10, signals: [{preset: bullmqWaitingJobs}]}
              - {namespace: cms, name: d, minReplicas: 8, maxReplicas: 10, signals: [{preset: bullmqWaitingJobs}],
                 database: {name: pooled, poolSize: 10}}
            """
        let result = try PolicyLoader.load(text: text, file: "budget.yaml")
        let message =
            "the minReplicas × poolSize of the targets of database \"main\" add up to 84 connections, more than "
            + "its 82 usable ones; lower minReplicas or poolSize, or raise the database's limit"
        #expect(
            result.problems.map { "\($0.line) \($0.path): \($0.message)" } == [
                "7 targets[0].minReplicas: \(message)", "9 targets[1].minReplicas: \(message)",
            ]
        )
        #expect(result.problems.map(\.targetIndex) == [0, 1])
        #expect(result.targets.map(\.name) == ["c", "d"])
    }

    /// Behind PgBouncer the budget is max_client_conn: 100 − 10 (10 %) = 90 usable, less than
    /// the 10 × 10 = 100 that minReplicas needs.
    @Test func fixedPgBouncerBudgetSmallerThanMinimum() throws {
        let text = Self.policy(
            header: "databases: [{name: pooled, margin: 10%, pgbouncer: {maxClientConnections: 100, poolSize: 20}}]",
            extra: "    minReplicas: 10\n    database: {name: pooled, poolSize: 10}"
        )
        let result = try PolicyLoader.load(text: text, file: "p.yaml")
        #expect(
            result.problems.map { "\($0.path): \($0.message)" } == [
                "targets[0].minReplicas: the minReplicas × poolSize of the targets of database \"pooled\" add up to "
                    + "100 connections, more than its 90 usable ones; lower minReplicas or poolSize, or raise the "
                    + "database's limit"
            ]
        )
        #expect(result.targets.isEmpty)
    }
}

/// The loader's message for a misspelled role names only the roles a policy may write.
@Suite struct SignalRoleMessageTests {
    @Test func misspelledRoleListsWritableRoles() throws {
        let text = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - namespace: shop
                name: api
                maxReplicas: 10
                signals:
                  - {name: rate, query: 'sum(rate(a_total[1m]))', target: "50", rule: perReplica}
                  - {name: errors, query: 'sum(rate(b_total[1m]))', target: "5%", role: gaurd}
            """
        let result = try PolicyLoader.load(text: text, file: "role.yaml")
        // The invalid role leaves the signal without one, so it is also reported as a scale
        // signal without a rule.
        let roleProblems = result.problems.filter { $0.path == "targets[0].signals[1].role" }
        #expect(roleProblems.count == 1)
        let message = roleProblems.first?.message ?? ""
        #expect(message.contains("invalid value \"gaurd\"; did you mean \"guard\"?"))
        #expect(message.contains("Allowed values: scale, guard"))
        #expect(!message.contains("panic"))
    }
}
