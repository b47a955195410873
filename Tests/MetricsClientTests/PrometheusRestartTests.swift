import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `PrometheusServer.stopKeepingData()` and `restart()` against the real binary: the same
/// port and the same TSDB after a restart, and refused connections in between.
@Suite(.serialized)
struct PrometheusRestartTests {
    /// `queue_depth{queue="fresh"}` is backfilled as 3, ten seconds before the evaluation time.
    @Test func restartKeepsPortAndData() async throws {
        let server = try PrometheusServer(openMetrics: BackfillData.openMetrics())
        defer { server.stop() }
        let http = try CurlHTTPClient()
        defer { _ = http.shutdown() }
        let client = PrometheusClient(baseURL: server.baseURL, http: http)
        let query = #"queue_depth{queue="fresh"}"#
        let time = BackfillData.evaluationDate
        let port = server.port

        #expect(try await Self.firstValue(client.query(query, at: time)) == 3)

        for round in 1...2 {
            try server.stopKeepingData()
            let refused = String(cString: strerror(ECONNREFUSED))
            await #expect(
                throws: MetricsError.transport(
                    .connectFailed(url: server.baseURL + "/api/v1/query", reason: refused)
                ),
                "round \(round)"
            ) {
                try await client.query(query, at: time)
            }

            try server.restart()
            #expect(server.port == port)
            // The backfilled block lives in the TSDB directory, so only a restart on the same
            // directory still returns it.
            #expect(try await Self.firstValue(client.query(query, at: time)) == 3, "round \(round)")
        }
    }

    @Test func restartOfRunningServerThrows() throws {
        let server = try PrometheusServer()
        defer { server.stop() }

        #expect(throws: TestSupportError.self) { try server.restart() }
    }

    /// Returns the value of the first sample of an instant vector, or nil for another result.
    static func firstValue(_ result: QueryResult) -> Double? {
        guard case .vector(let samples) = result.data else { return nil }
        return samples.first?.point.value
    }
}
