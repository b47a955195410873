import Foundation
import HTTPTransport
import Testing

@testable import MetricsClient

/// A review of how Prometheus faults reach the signals. Every response that is not a plain
/// success must fail the query, so the affected signal is invalid for the cycle.
@Suite struct Review9MetricsClientTests {
    static let successBody = Data(
        #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"42"]}]}}"#
            .utf8
    )

    /// A proxy or load balancer in front of Prometheus returns 503 (or 500) while passing a
    /// success body through, such as a cached or partial one. The status marks the response as
    /// failed. The Prometheus HTTP API docs (prometheus.io, "Format overview") state that every
    /// successful request returns a 2xx status, so the query must throw instead of reading 42.
    @Test(arguments: [500, 502, 503])
    func serverErrorWithSuccessBodyFails(status: Int) async {
        let http = ScriptedHTTPClient { _ in HTTPResponse(status: status, body: Self.successBody) }
        let client = PrometheusClient(baseURL: "http://127.0.0.1:9090", http: http)

        await #expect(throws: MetricsError.self) {
            _ = try await client.query("up", at: Date(timeIntervalSince1970: 1_700_000_000))
        }
    }

    /// A 200 success with `warnings` (a partial result) is decoded with the warnings kept, so
    /// the sampler can mark the signal invalid.
    @Test func successWithWarningsKeepsWarnings() throws {
        let body = Data(
            #"{"status":"success","warnings":["store eu-1 unreachable"],"data":{"resultType":"vector","result":[]}}"#
                .utf8
        )

        let result = try QueryResponseDecoder.decode(status: 200, body: body)

        #expect(result.warnings == ["store eu-1 unreachable"])
    }

    /// A body cut off halfway (a connection closed mid-response) is an invalid response, not an
    /// empty result.
    @Test func truncatedBodyIsInvalid() {
        let truncated = Self.successBody.prefix(40)

        #expect(throws: MetricsError.self) {
            _ = try QueryResponseDecoder.decode(status: 200, body: Data(truncated))
        }
    }
}
