import FleetModel
import FleetTestbed
import Testing

/// Failing tests for testbed defects, with expected values worked out by hand.
@Suite struct TestbedDefectTests {
    /// Checks that a pod deleted while Pending gets no scrape target: it was never bound to a
    /// node and has no IP. Two warm pods scaled to 3 and straight back to 2 give 2 pod targets
    /// plus 3 exporters (ingress-nginx, pgbouncer, postgres), 5 target groups in all.
    ///
    /// Actual: 6, because the deleted pod's phase becomes `.terminating` and `targetGroups`
    /// keeps every pod that is not `.pending`.
    @Test func deletedPendingPodHasNoTarget() {
        var fleet = Fleet(parameters: .directusPgBouncer, deploymentName: "api", replicas: 2, cold: false, seed: 1)
        fleet.scale(to: 3)
        fleet.scale(to: 2)
        let writer = FileSDWriter(
            path: "/nonexistent/unused.json",
            metricsPort: 9123,
            namespace: "shop",
            deployment: "api"
        )

        let groups = writer.targetGroups(fleet.snapshot)

        #expect(groups.count == 5)
        #expect(groups.filter { $0.labels["job"] == "directus" }.count == 2)
    }
}
