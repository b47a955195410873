import Testing

@testable import Autoscaler

/// Targets, durations, metric-name units and suggestions.
struct PolicyValueParsingTests {
    @Test(arguments: [
        ("250ms", TargetDimension.duration, 0.25),
        ("0.5s", .duration, 0.5),
        ("1500us", .duration, 0.0015),
        ("80%", .fraction, 0.8),
        ("50", .count, 50),
        ("0.1", .count, 0.1),
        ("1e3", .count, 1000),
        ("512Mi", .bytes, 536_870_912),
        ("2GB", .bytes, 2e9),
    ])
    func targetParses(text: String, dimension: TargetDimension, base: Double) throws {
        let target = try SignalTarget.parse(text)
        #expect(target.dimension == dimension)
        #expect(abs(target.baseValue - base) <= 1e-12 * base)
    }

    @Test(arguments: [
        ("0", SignalTargetError.notPositive),
        ("-5", .notPositive),
        ("0ms", .notPositive),
        ("ms", .notANumber),
        ("", .notANumber),
        ("5m", .unknownUnit("m")),
        ("3 seconds", .unknownUnit("seconds")),
        ("1e400", .tooLarge),
        ("-1e400", .notPositive),
        // 1e308 fits in a Double, but 1e308 × 1e9 bytes does not.
        ("1e308GB", .tooLarge),
    ])
    func targetRejects(text: String, error: SignalTargetError) {
        #expect(throws: error) { try SignalTarget.parse(text) }
    }

    @Test(arguments: [
        ("30s", 30.0), ("5m", 300), ("1h30m", 5400), ("500ms", 0.5), ("1.5s", 1.5), ("2h", 7200),
    ])
    func durationParses(text: String, seconds: Double) {
        #expect(PolicyDuration.seconds(text) == seconds)
    }

    @Test(arguments: ["30", "", "5 minutes", "0s", "-5s", "1d", "s", "1h30"])
    func durationRejects(text: String) {
        #expect(PolicyDuration.seconds(text) == nil)
    }

    @Test(arguments: [(120.0, "2m"), (5400, "1h30m"), (0.5, "500ms"), (45, "45s")])
    func durationFormats(seconds: Double, text: String) {
        #expect(PolicyDuration.format(seconds: seconds) == text)
    }

    @Test(arguments: [
        ("histogram_quantile(0.99, sum by (le) (rate(a_seconds_bucket{x=\"y_bytes\"}[5m])))", ValueUnit.seconds),
        ("rate(a_seconds_sum[5m]) / rate(a_seconds_count[5m])", .seconds),
        ("histogram_quantile(0.9, rate(directus_db_pg_response_time_ms_bucket[1m]))", .milliseconds),
        ("avg(container_memory_working_set_bytes{pod=\"{{name}}\"})", .bytes),
        ("request_latency_milliseconds", .milliseconds),
    ])
    func metricNameStatesUnit(query: String, unit: ValueUnit) {
        #expect(QueryTemplate.statedUnit(of: query)?.unit == unit)
    }

    @Test(arguments: [
        "sum(rate(container_cpu_usage_seconds_total[1m]))",
        "sum(bullmq_job_count{queue=\"q_seconds\"})",
        "a_seconds + b_bytes",
        "sum(rate(x_seconds_count[1m]))",
    ])
    func metricNameStatesNoUnit(query: String) {
        #expect(QueryTemplate.statedUnit(of: query) == nil)
    }

    /// Every placeholder of a preset's query is a key of its label map, so the Prometheus
    /// client can batch the preset over many targets without mixing their series.
    @Test(arguments: SignalPreset.all.map(\.name))
    func presetPlaceholdersAreLabelKeys(name: String) throws {
        let preset = try #require(SignalPreset.named(name))
        let placeholders = QueryTemplate.placeholders(in: preset.query)

        #expect(!placeholders.isEmpty)
        for placeholder in placeholders {
            #expect(preset.labels[placeholder] != nil, "{{\(placeholder)}} is not a label map key")
        }
    }

    @Test func placeholdersAreListedOnce() {
        let query = "x{namespace=\"{{namespace}}\", a=\"{{ingress}}\"} / y{namespace=\"{{namespace}}\"}"
        #expect(QueryTemplate.placeholders(in: query) == ["namespace", "ingress"])
    }

    @Test func suggestionsNeedCloseMatch() {
        #expect(EditDistance.distance("queueLenght", "queueLength") == 1)
        #expect(EditDistance.suggestion(for: "maxReplica", among: ["minReplicas", "maxReplicas"]) == "maxReplicas")
        #expect(EditDistance.suggestion(for: "queueLenght", among: ["query", "target"]) == nil)
    }
}
