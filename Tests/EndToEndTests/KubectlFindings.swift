import Foundation
import TestSupport
import Testing

/// The kubectl output during the flash sale next to the API's objects at the same moment,
/// collected while the run goes on and asserted after it.
struct KubectlFindings {
    /// `READY` of the Deployment in `kubectl get deployments` and `<ready>/<desired>` from the
    /// API, taken while scaled up; nil when the API changed during every attempt.
    var deployment: (kubectl: String, api: String)?
    /// `kubectl get pods` READY cells against the pods' Ready conditions, while pods started
    /// (scale-up) and while they terminated (scale-down).
    var pods = PodReadinessComparison(header: [])
    /// Rows of `kubectl get events` whose REASON is SuccessfulRescale.
    var rescaleRows: [[String]] = []
    /// SuccessfulRescale Events in the API before and after that kubectl call.
    var rescaleEventsInAPI: (before: Int, after: Int) = (-1, -1)

    /// Follows the run and compares pods right after the first scale-up, the Deployment and the
    /// Events at the peak, and pods again once the scale-down began.
    static func collect(_ testbed: TestbedProcess) async throws -> KubectlFindings {
        let kubectl = try TestbedKubectl(testbed)
        var findings = KubectlFindings()
        let started = testbed.started

        let scaledUp = try await poll(until: started.addingTimeInterval(40)) {
            try await writes(testbed).count >= 1
        }
        try #require(scaledUp, "the real process did not scale within 40 s of the testbed's start")
        for _ in 0..<3 { findings.pods.add(try await kubectl.podReadiness()) }

        // At the cap with every pod ready the status does not change, so the two API reads agree.
        let peakReady = "\(FlashSalePlan.expectedPeak)/\(FlashSalePlan.expectedPeak)"
        _ = try await poll(until: started.addingTimeInterval(55)) {
            try await testbed.deploymentReadiness() == peakReady
        }
        findings.deployment = try await kubectl.deploymentReady()

        let before = try await rescaleEvents(testbed)
        let rows = try await kubectl.table(["get", "events"])
        let after = try await rescaleEvents(testbed)
        findings.rescaleRows = rows.filter { $0.contains("SuccessfulRescale") }
        findings.rescaleEventsInAPI = (before, after)

        let scalingDown = try await poll(
            until: started.addingTimeInterval(FlashSalePlan.loadWallSeconds)
        ) {
            let replicas = try await writes(testbed).map(\.replicas)
            return replicas.count > 1 && replicas.last.map { $0 < replicas.max() ?? 0 } == true
        }
        if scalingDown {
            for _ in 0..<3 { findings.pods.add(try await kubectl.podReadiness()) }
        }
        return findings
    }

    private static func writes(_ testbed: TestbedProcess) async throws -> [RescaleHistory.Rescale] {
        try RescaleHistory(audit: try await testbed.audit(), identity: FlashSalePlan.realIdentity).rescales
    }

    private static func rescaleEvents(_ testbed: TestbedProcess) async throws -> Int {
        let list = try await testbed.get("/api/v1/namespaces/shop/events", as: FlashSalePlan.kubectlIdentity)
        let items = list["items"] as? [[String: Any]] ?? []
        return items.filter { $0["reason"] as? String == "SuccessfulRescale" }.count
    }
}
