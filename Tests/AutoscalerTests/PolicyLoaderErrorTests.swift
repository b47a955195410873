import Autoscaler
import Testing

/// Fixture policies with each kind of error: every problem names its location, key path
/// and value, and only the target it belongs to is rejected.
struct PolicyLoaderErrorTests {
    /// minReplicas 5 above maxReplicas 3: both fields named, the other target stays valid.
    @Test func minAboveMaxNamesBothFields() throws {
        let result = try FixtureFile.load("min-above-max.yaml")
        let problem = try #require(result.problems.first)
        #expect(result.problems.count == 1)
        #expect(
            problem.description
                == "min-above-max.yaml:6:18: targets[0].minReplicas: minReplicas 5 is greater than maxReplicas 3 "
                + "(line 7); minReplicas must be less than or equal to maxReplicas"
        )
        #expect(result.targets.map(\.name) == ["worker"])
        #expect(result.declaredTargetCount == 2)
    }

    /// A target of 0 rejects target a; target b (100 per replica) stays.
    @Test func zeroThresholdRejectsOnlyItsTarget() throws {
        let result = try FixtureFile.load("zero-threshold.yaml")
        #expect(
            result.problems.map(\.description) == [
                "zero-threshold.yaml:10:17: targets[0].signals[0].target: invalid target \"0\": "
                    + "a target must be greater than 0"
            ]
        )
        let valid = try #require(result.targets.first)
        #expect(result.targets.count == 1)
        #expect(valid.name == "b")
        #expect(valid.signals[0].threshold == 100)
    }

    /// A misspelled key and an unknown preset are both reported with hints; the signal does
    /// not fall back to anything and its target is rejected.
    @Test func misspelledKeyAndUnknownPreset() throws {
        let result = try FixtureFile.load("misspelled-key.yaml")
        #expect(result.targets.isEmpty)
        #expect(result.problems.count == 2)
        let preset = try #require(result.problems.first { $0.path == "targets[0].signals[0].preset" })
        #expect((preset.line, preset.column) == (8, 17))
        #expect(preset.message.hasPrefix("unknown preset \"bullmqWaitingJob\"; did you mean \"bullmqWaitingJobs\"?"))
        let key = try #require(result.problems.first { $0.path == "targets[0].signals[0].queueLenght" })
        #expect((key.line, key.column) == (9, 9))
        #expect(key.message.hasPrefix("unknown key \"queueLenght\"; did you mean \"target\"?"))
        #expect(key.message.contains("Allowed keys: name, preset, query"))
    }

    /// Unknown keys at document, target and behavior level get "did you mean".
    @Test func unknownKeysSuggestNearest() throws {
        let result = try FixtureFile.load("unknown-keys.yaml")
        let found = result.problems.map { "\($0.line):\($0.column) \($0.path)" }
        #expect(
            found == [
                "3:1 target", "7:5 targets[0].maxReplica", "13:9 targets[0].behavior.scaleDown.stabilizationWindow",
            ]
        )
        #expect(result.problems[1].message.hasPrefix("unknown key \"maxReplica\"; did you mean \"maxReplicas\"?"))
        #expect(
            result.problems[2].message.hasPrefix(
                "unknown key \"stabilizationWindow\"; did you mean \"stabilizationWindowSeconds\"?"
            )
        )
        #expect(result.targets.isEmpty)
    }

    /// Bare, mismatched, contradicting and unknown units; a milliseconds metric with a
    /// 0.2s target is valid and compares against 200.
    @Test func unitProblems() throws {
        let result = try FixtureFile.load("units.yaml")
        let byPath = Dictionary(grouping: result.problems, by: \.path)
        #expect(result.problems.count == 5)

        let bare = try #require(byPath["targets[0].signals[0].target"]?.first)
        #expect((bare.line, bare.column) == (9, 17))
        #expect(bare.message == "a latency target needs a unit: write \"300ms\" or \"300s\"")

        let mismatch = try #require(byPath["targets[1].signals[0].target"]?.first)
        #expect(mismatch.line == 16)
        #expect(mismatch.message.hasPrefix("unit mismatch: target \"80%\" is a fraction"))
        #expect(mismatch.message.contains("http_request_duration_seconds_bucket is in seconds"))

        let missing = try #require(byPath["targets[2].signals[0].target"]?.first)
        #expect(missing.line == 24)
        #expect(missing.message.hasPrefix("missing unit in target \"200\""))
        #expect(missing.message.contains("directus_db_pg_response_time_ms_bucket is in milliseconds"))

        let contradiction = try #require(byPath["targets[3].signals[0].resultUnit"]?.first)
        #expect((contradiction.line, contradiction.column) == (33, 21))
        #expect(contradiction.message.hasPrefix("resultUnit milliseconds contradicts the metric"))

        let unknown = try #require(byPath["targets[4].signals[0].target"]?.first)
        #expect(unknown.message.hasPrefix("invalid target \"3 seconds\": unknown unit \"seconds\""))

        let valid = try #require(result.targets.first)
        #expect(result.targets.count == 1)
        #expect(valid.name == "milliseconds-metric")
        #expect(valid.signals[0].resultUnit == .milliseconds)
        #expect(valid.signals[0].threshold == 200)
    }

    /// A duration without a unit or in words is rejected; 1h30m is 5400 s.
    @Test func durationProblems() throws {
        let result = try FixtureFile.load("durations.yaml")
        #expect(
            result.problems.map(\.description) == [
                "durations.yaml:9:23: targets[0].signals[0].maxSampleAge: invalid duration \"30\": missing unit; "
                    + "expected a positive duration such as 30s, 5m or 1h30m (units ms, s, m, h)",
                "durations.yaml:15:23: targets[1].signals[0].maxSampleAge: invalid duration \"5 minutes\": "
                    + "expected a positive duration such as 30s, 5m or 1h30m (units ms, s, m, h)",
            ]
        )
        #expect(result.targets.map(\.name) == ["c"])
        #expect(result.targets.first?.signals.first?.maxSampleAgeSeconds == 5400)
    }

    /// Duplicate targets are all rejected; duplicate keys and signal names are located.
    @Test func duplicates() throws {
        let result = try FixtureFile.load("duplicates.yaml")
        let found = result.problems.map { "\($0.line):\($0.column) \($0.path)" }
        #expect(
            found == [
                "4:5 targets[0]", "9:5 targets[1]", "17:5 targets[2].maxReplicas", "20:9 targets[2].signals[1].name",
            ]
        )
        #expect(
            result.problems[0].message.contains("duplicate target \"Deployment jobs/worker\" (defined at lines 4, 9)")
        )
        #expect(result.problems[2].message.hasPrefix("duplicate key \"maxReplicas\" (first at line 16)"))
        #expect(result.problems[3].message.hasPrefix("duplicate signal name \"bullmqWaitingJobs\""))
        #expect(result.targets.isEmpty)
    }

    /// minReplicas 0 needs a perReplica signal, and the error states why.
    @Test func minZeroNeedsTotalSignal() throws {
        let result = try FixtureFile.load("min-zero.yaml")
        let problem = try #require(result.problems.first)
        #expect(result.problems.count == 1)
        #expect((problem.line, problem.column, problem.path) == (6, 18, "targets[0].minReplicas"))
        #expect(problem.message.hasPrefix("minReplicas 0 needs a scale signal with rule perReplica"))
        #expect(problem.message.contains("wake the target"))
        #expect(result.targets.map(\.name) == ["queue-worker"])
        #expect(result.targets.first?.minReplicas == 0)
    }

    /// Out-of-range windows, tolerances, periods and values, unknown names and empty lists.
    @Test func behaviorProblems() throws {
        let result = try FixtureFile.load("behavior.yaml")
        let found = result.problems.map { "\($0.line):\($0.column) \($0.path)" }
        let prefix = "targets[0].behavior."
        #expect(
            found == [
                "11:37 \(prefix)scaleUp.stabilizationWindowSeconds", "12:23 \(prefix)scaleUp.selectPolicy",
                "13:20 \(prefix)scaleUp.tolerance", "15:19 \(prefix)scaleUp.policies[0].type",
                "16:20 \(prefix)scaleUp.policies[0].value", "17:28 \(prefix)scaleUp.policies[0].periodSeconds",
                "19:19 \(prefix)scaleDown.policies",
            ]
        )
        #expect(result.problems[0].message == "invalid value 7200: must be 0 to 3600")
        #expect(result.problems[1].message == "invalid value \"Maximum\". Allowed values: Max, Min, Disabled")
        #expect(result.problems[2].message == "invalid value \"1.5\": must be at least 0 and less than 1")
        #expect(result.problems[3].message.hasPrefix("invalid value \"Pod\"; did you mean \"Pods\"?"))
        #expect(result.problems[5].message == "invalid value 3600: must be 1 to 1800")
    }

    /// Guards only, unknown placeholders, unselected pods, guard with rule, missing fields.
    @Test func signalProblems() throws {
        let result = try FixtureFile.load("signals.yaml")
        let found = result.problems.map { "\($0.line):\($0.column) \($0.path)" }
        #expect(
            found == [
                "8:7 targets[0].signals", "14:16 targets[1].signals[0].query", "14:16 targets[1].signals[0].query",
                "23:15 targets[2].signals[1].rule", "24:24 targets[2].signals[1].maxStepFactor",
                "29:9 targets[3].signals[0].query", "29:9 targets[3].signals[0].rule",
                "29:9 targets[3].signals[0].target",
            ]
        )
        #expect(result.problems[1].message.hasPrefix("unknown placeholder {{nmae}}; did you mean {{name}}?"))
        #expect(result.problems[2].message.hasPrefix("a utilization query averages over the target's own pods"))
        #expect(result.problems[3].message == "a guard never proposes replicas; remove rule or set role: scale")
        #expect(result.targets.isEmpty)
    }

    /// Unparsable text and a document of another kind throw with their location.
    @Test func unreadableDocumentsThrow() throws {
        #expect(
            throws: AutoscalerError.notAPolicy(
                file: "not-a-policy.yaml",
                line: 1,
                column: 13,
                message: "apiVersion is \"apps/v1\"; expected \"headroom.io/v1alpha1\""
            )
        ) {
            try FixtureFile.load("not-a-policy.yaml")
        }
        do {
            _ = try FixtureFile.load("broken.yaml")
            Issue.record("broken.yaml loaded")
        } catch let error as AutoscalerError {
            guard case .syntax(let file, let line, _, _) = error else {
                Issue.record("expected a syntax error, got \(error)")
                return
            }
            #expect(file == "broken.yaml")
            #expect(line == 5)
        }
        #expect(throws: AutoscalerError.self) { try PolicyLoader.load(path: "/nonexistent/policy.yaml") }
    }

    /// Numbers past Int or Double are reported as too large or too small and give the bound,
    /// instead of "expected an integer" or "not a number".
    @Test func numberOverflowProblems() throws {
        let result = try FixtureFile.load("number-overflow.yaml")

        #expect(
            result.problems.map(\.description) == [
                "number-overflow.yaml:6:18: targets[0].maxReplicas: invalid value \"99999999999999999999\": "
                    + "the number is too large; the allowed maximum is 2147483647",
                "number-overflow.yaml:9:17: targets[0].signals[0].target: invalid target \"1e400\": "
                    + "the number is too large to represent; give a target such as 250ms, 80% or 50",
                "number-overflow.yaml:12:18: targets[1].minReplicas: invalid value \"-99999999999999999999\": "
                    + "the number is too small; the allowed minimum is 0",
                "number-overflow.yaml:13:18: targets[1].maxReplicas: invalid value 3000000000: "
                    + "must be 1 to 2147483647",
                "number-overflow.yaml:16:24: targets[1].signals[0].maxStepFactor: invalid value \"1e400\": "
                    + "the number is too large; expected a number greater than 1 and at most 100",
            ]
        )
        #expect(result.targets.isEmpty)
    }

    /// A YAML merge key is one problem at the key, not a "missing key" for each merged key;
    /// the target before it still loads.
    @Test func mergeKeyIsOneProblem() throws {
        let result = try FixtureFile.load("merge-key.yaml")

        #expect(
            result.problems.map(\.description) == [
                "merge-key.yaml:10:5: targets[1].<<: merge keys (<<) are not supported; repeat the keys"
            ]
        )
        #expect(result.targets.map(\.name) == ["directus"])
    }
}
