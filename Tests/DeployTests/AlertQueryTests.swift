import Foundation
import TestSupport
import Testing

/// Every alert expression runs without error against a real Prometheus (the Debian 2.42
/// binary) loaded with samples of every metric the alerts read, so label matching problems
/// that only show with data (such as many-to-many matches) also surface.
@Suite struct AlertQueryTests {
    /// The newer of the two samples of each series in `samples.om`.
    static let evaluationTime = 1_700_000_060.0
    static let samples = "\(RepositoryFiles.root)/Tests/DeployTests/Fixtures/alerts/samples.om"

    @Test func everyAlertExpressionRuns() async throws {
        let prometheus = try PrometheusQueries(
            server: PrometheusServer(openMetrics: try RepositoryFiles.read(Self.samples))
        )
        defer { prometheus.stop() }
        let alerts = try AlertManifest().alerts()

        for alert in alerts {
            let outcome = try await prometheus.query(alert.expression, at: Self.evaluationTime)
            #expect(outcome.status == "success", "\(alert.name): \(outcome.error ?? "no error text")")
        }

        // The samples have 2 clients waiting for database directus and none for reports, so
        // exactly one series passes `> 0`. This shows that the expressions read the samples.
        let waiting = try #require(alerts.first { $0.name == "HeadroomPgBouncerClientsWaiting" })
        let outcome = try await prometheus.query(waiting.expression, at: Self.evaluationTime)
        #expect(outcome.vector.count == 1)
        #expect(outcome.vector.first?.labels["database"] == "directus")
        #expect(outcome.vector.first?.value == "2")
    }
}
