import Testing

@testable import Observability

struct MetricsRegistryTests {
    @Test func counterAndGaugeRender() {
        let registry = MetricsRegistry()
        let actions = registry.counter(
            "headroom_scaling_actions_total",
            help: "Scale writes by direction.",
            labelNames: ["target", "direction"]
        )
        let desired = registry.gauge(
            "headroom_desired_replicas",
            help: "Replicas the engine wants.",
            labelNames: ["target"]
        )
        actions.add(1, labels: ["shop/api", "up"])
        actions.add(2, labels: ["shop/api", "up"])
        actions.add(1, labels: ["shop/api", "down"])
        desired.set(12, labels: ["shop/api"])

        let expected = """
            # HELP headroom_scaling_actions_total Scale writes by direction.
            # TYPE headroom_scaling_actions_total counter
            headroom_scaling_actions_total{target="shop/api",direction="down"} 1
            headroom_scaling_actions_total{target="shop/api",direction="up"} 3
            # HELP headroom_desired_replicas Replicas the engine wants.
            # TYPE headroom_desired_replicas gauge
            headroom_desired_replicas{target="shop/api"} 12

            """
        #expect(registry.render() == expected)
    }

    @Test func histogramBucketsAreCumulative() {
        let registry = MetricsRegistry()
        let duration = registry.histogram("cycle_seconds", help: "Cycle time.", buckets: [0.1, 1])
        duration.observe(0.05)
        duration.observe(0.1)
        duration.observe(0.5)
        duration.observe(3)

        // 0.05 and 0.1 fall in le=0.1; 0.5 adds to le=1; 3 only to +Inf. Sum 3.65.
        let expected = """
            # HELP cycle_seconds Cycle time.
            # TYPE cycle_seconds histogram
            cycle_seconds_bucket{le="0.1"} 2
            cycle_seconds_bucket{le="1"} 3
            cycle_seconds_bucket{le="+Inf"} 4
            cycle_seconds_sum 3.65
            cycle_seconds_count 4

            """
        #expect(registry.render() == expected)
    }

    @Test func labelValuesAreEscaped() {
        let registry = MetricsRegistry()
        let gauge = registry.gauge("g", help: "Back\\slash\nline.", labelNames: ["name"])
        gauge.set(.nan, labels: ["a\"}b\\c\nd"])
        let rendered = registry.render()
        #expect(rendered.contains(#"# HELP g Back\\slash\nline."#))
        #expect(rendered.contains(#"g{name="a\"}b\\c\nd"} NaN"#))
    }

    /// "\r\n" is one Swift Character, but its line feed is still escaped, so the sample stays on
    /// one line. The carriage return itself needs no escape in the text format.
    @Test func crlfInLabelValueIsEscaped() {
        let registry = MetricsRegistry()
        let gauge = registry.gauge("g", help: "h", labelNames: ["name"])
        gauge.set(1, labels: ["a\r\nb"])
        let rendered = registry.render()
        #expect(rendered.contains("g{name=\"a\r\\nb\"} 1"))
        #expect(!rendered.contains("\r\n"))
    }

    @Test(arguments: [
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (0.25, "0.25"), (1e21, "1e+21"), (-3, "-3"),
    ])
    func valueFormatting(value: Double, expected: String) {
        #expect(ExpositionFormat.formatValue(value) == expected)
    }

    @Test func removedSeriesDisappear() {
        let registry = MetricsRegistry()
        let gauge = registry.gauge("g", help: "h", labelNames: ["target"])
        gauge.set(1, labels: ["a"])
        gauge.set(2, labels: ["b"])
        gauge.remove(labels: ["a"])
        #expect(gauge.value(labels: ["a"]) == nil)
        #expect(gauge.value(labels: ["b"]) == 2)
        #expect(!registry.render().contains("target=\"a\""))
    }

    @Test(arguments: ["headroom_up", "a:b_c", "_x"])
    func validMetricNames(name: String) {
        #expect(ExpositionFormat.isValidMetricName(name))
    }

    @Test(arguments: ["", "1abc", "a-b", "a b"])
    func invalidMetricNames(name: String) {
        #expect(!ExpositionFormat.isValidMetricName(name))
    }

    @Test func reservedLabelNamesAreInvalid() {
        #expect(!ExpositionFormat.isValidLabelName("__name__"))
        #expect(!ExpositionFormat.isValidLabelName("a:b"))
        #expect(ExpositionFormat.isValidLabelName("target"))
    }

    @Test func unlabeledFamiliesStartAtZero() {
        let registry = MetricsRegistry()
        _ = registry.counter("headroom_cycles_total", help: "Cycles.")
        _ = registry.histogram("d_seconds", help: "D.", buckets: [1])
        let expected = """
            # HELP headroom_cycles_total Cycles.
            # TYPE headroom_cycles_total counter
            headroom_cycles_total 0
            # HELP d_seconds D.
            # TYPE d_seconds histogram
            d_seconds_bucket{le="1"} 0
            d_seconds_bucket{le="+Inf"} 0
            d_seconds_sum 0
            d_seconds_count 0

            """
        #expect(registry.render() == expected)
    }

    @Test func removeWhereDropsMatches() {
        let registry = MetricsRegistry()
        let rule = registry.gauge("rule", help: "Limiting rule.", labelNames: ["target", "reason"])
        rule.set(1, labels: ["a", "ScaledUp"])
        rule.set(1, labels: ["a", "TooManyReplicas"])
        rule.set(1, labels: ["b", "ScaledUp"])
        rule.remove { $0.first == "a" && $0.last != "TooManyReplicas" }
        #expect(rule.seriesLabels() == [["a", "TooManyReplicas"], ["b", "ScaledUp"]])
        let expected = """
            # HELP rule Limiting rule.
            # TYPE rule gauge
            rule{target="a",reason="TooManyReplicas"} 1
            rule{target="b",reason="ScaledUp"} 1

            """
        #expect(registry.render() == expected)
    }
}
