import Foundation
import HTTPTransport
import MetricsClient
import Testing

struct PrometheusClientTests {
    @Test func instantQueryIsPostFormUnderPrefix() async throws {
        let http = ScriptedHTTPClient { _ in vectorResponse([]) }
        let client = PrometheusClient(baseURL: "http://mimir.test:8080/prometheus/", http: http)

        _ = try await client.query(
            "sum(rate(x[5m])) + 1",
            at: Date(timeIntervalSince1970: 1_700_000_000.25),
            timeout: .seconds(10)
        )

        let request = try #require(http.requests.first)
        #expect(request.method == .post)
        #expect(request.url == "http://mimir.test:8080/prometheus/api/v1/query")
        #expect(request.headers.contains(HTTPHeader("Content-Type", "application/x-www-form-urlencoded")))
        let body = String(decoding: request.body ?? Data(), as: UTF8.self)
        // "+" must travel as %2B, or the server reads it as a space.
        #expect(body.contains("query=sum%28rate%28x%5B5m%5D%29%29%20%2B%201"))
        #expect(
            formFields(request) == ["query": "sum(rate(x[5m])) + 1", "time": "1700000000.250", "timeout": "10.000"]
        )
    }

    @Test func rangeQuerySendsStartEndStep() async throws {
        let http = ScriptedHTTPClient { _ in
            HTTPResponse(
                status: 200,
                body: Data("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}".utf8)
            )
        }
        let client = PrometheusClient(baseURL: "http://prometheus.test:9090", http: http)

        let result = try await client.queryRange(
            "up",
            start: Date(timeIntervalSince1970: 1_700_000_000),
            end: Date(timeIntervalSince1970: 1_700_000_600),
            step: .seconds(15)
        )

        #expect(result.data == .matrix([]))
        let request = try #require(http.requests.first)
        #expect(request.url == "http://prometheus.test:9090/api/v1/query_range")
        #expect(
            formFields(request)
                == ["query": "up", "start": "1700000000.000", "end": "1700000600.000", "step": "15.000"]
        )
    }

    @Test func transportErrorIsWrapped() async throws {
        let http = ScriptedHTTPClient { request in
            throw TransportError.connectFailed(url: request.url, reason: "Connection refused")
        }
        let client = PrometheusClient(baseURL: "http://127.0.0.1:1", http: http)

        await #expect(
            throws: MetricsError.transport(
                .connectFailed(url: "http://127.0.0.1:1/api/v1/query", reason: "Connection refused")
            )
        ) {
            try await client.query("up")
        }
    }

    @Test func errorStatusIsTyped() async throws {
        let body = try fixture("error-bad-data.json")
        let http = ScriptedHTTPClient { _ in HTTPResponse(status: 400, body: body) }
        let client = PrometheusClient(baseURL: "http://prometheus.test", http: http)

        let error = await #expect(throws: MetricsError.self) { try await client.query("up{") }

        guard case .prometheus(.badData, _, 400) = error else {
            Issue.record("expected bad_data with 400, got \(String(describing: error))")
            return
        }
    }
}
