import Testing

/// Every metric an alert reads is one Headroom's `/metrics` serves or one an exporter the
/// alerts are written for exports, so no alert waits on a series that never exists.
@Suite struct AlertMetricNameTests {
    @Test(arguments: [
        (
            #"sum by (namespace, le) (rate(a_bucket{x="y",z=~"p|q"}[5m] offset 1h)) / on (namespace) group_left b > 0.9"#,
            ["a_bucket", "b"]
        ),
        ("(max(headroom_leader) or vector(0)) < 1", ["headroom_leader"]),
        (#"label_join(c, "target", "/", "namespace", "name")"#, ["c"]),
        ("histogram_quantile(0.99, sum without (pod) (rate(d_bucket[$__rate_interval])))", ["d_bucket"]),
        ("e == 0 and on (instance) f == 1 unless ignoring (x) g", ["e", "f", "g"]),
        ("max by (name) (h{$target})", ["h"]),
    ])
    func lexerFindsMetricNames(expression: String, expected: [String]) {
        #expect(PromQLNames.metricNames(in: expression) == Set(expected))
    }

    /// The registry built as `headroom run` builds it serves histograms as `_bucket`, `_sum`
    /// and `_count` series (LoopMetrics registers `headroom_cycle_duration_seconds` as a
    /// histogram) and includes the families registered outside the control loop.
    @Test func registryServesRunMetrics() throws {
        let names = HeadroomMetricNames.seriesNames(exposition: try HeadroomMetricNames.renderedRegistry())

        #expect(names.contains("headroom_cycle_duration_seconds_bucket"))
        #expect(names.contains("headroom_cycle_duration_seconds_count"))
        #expect(!names.contains("headroom_cycle_duration_seconds"))
        #expect(names.contains("headroom_leader"))
        #expect(names.contains("headroom_policy_valid"))
        #expect(names.contains("headroom_build_info"))
        #expect(names.contains("process_resident_memory_bytes"))
    }

    /// A family registered anywhere in Sources but missing from the registry above would let
    /// a dashboard or alert on it pass unchecked, or fail for the wrong reason.
    @Test func registryCoversEveryRegistrationInSources() throws {
        let exposition = try HeadroomMetricNames.renderedRegistry()
        let families = Set(
            exposition.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map {
                String($0.split(separator: " ")[2])
            }
        )
        let registered = try HeadroomMetricNames.namesRegisteredInSources()

        #expect(registered.count >= 30)
        let missing = registered.subtracting(families)
        #expect(missing.isEmpty, "registered in Sources but not built here: \(missing.sorted())")
    }

    @Test func alertMetricsExist() throws {
        let headroom = HeadroomMetricNames.seriesNames(exposition: try HeadroomMetricNames.renderedRegistry())
        let known = headroom.union(ExporterMetricNames.all)

        for alert in try AlertManifest().alerts() {
            let names = PromQLNames.metricNames(in: alert.expression)
            #expect(!names.isEmpty, "\(alert.name) reads no metric")
            let unknown = names.subtracting(known)
            #expect(unknown.isEmpty, "\(alert.name) reads metrics nobody exports: \(unknown.sorted())")
        }
    }
}
