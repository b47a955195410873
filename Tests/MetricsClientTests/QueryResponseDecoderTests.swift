import Foundation
import MetricsClient
import Testing

struct QueryResponseDecoderTests {
    @Test func vectorWithLabels() throws {
        let result = try QueryResponseDecoder.decode(status: 200, body: try fixture("vector.json"))

        #expect(
            result.data
                == .vector([
                    InstantSample(
                        labels: ["__name__": "up", "job": "api", "instance": "10.1.2.3:8080"],
                        point: SamplePoint(timestamp: 1_733_306_400.123, value: 1)
                    ),
                    InstantSample(labels: ["job": "web"], point: SamplePoint(timestamp: 1_733_306_400, value: 0.25)),
                ])
        )
        #expect(result.warnings.isEmpty)
    }

    @Test func nonFiniteAndExponentValues() throws {
        let result = try QueryResponseDecoder.decode(status: 200, body: try fixture("vector-nonfinite.json"))

        guard case .vector(let samples) = result.data else {
            Issue.record("expected a vector, got \(result.data.resultType)")
            return
        }
        let values = Dictionary(uniqueKeysWithValues: samples.map { ($0.labels["case"] ?? "", $0.point.value) })
        #expect(values["nan"]?.isNaN == true)
        #expect(values["plus-inf"] == .infinity)
        #expect(values["minus-inf"] == -.infinity)
        #expect(values["small"] == 0.000_000_1)
        #expect(values["large"] == 1_500_000_000_000_000_000_000.0)
    }

    @Test func emptyVector() throws {
        let result = try QueryResponseDecoder.decode(status: 200, body: try fixture("vector-empty.json"))

        #expect(result.data == .vector([]))
    }

    @Test func scalar() throws {
        let result = try QueryResponseDecoder.decode(status: 200, body: try fixture("scalar.json"))

        #expect(result.data == .scalar(SamplePoint(timestamp: 1_733_306_400.5, value: 42)))
    }

    @Test func string() throws {
        let result = try QueryResponseDecoder.decode(status: 200, body: try fixture("string.json"))

        #expect(result.data == .string("hello", timestamp: 1_733_306_400))
    }

    @Test func matrixWithNonFinitePoints() throws {
        let result = try QueryResponseDecoder.decode(status: 200, body: try fixture("matrix.json"))

        #expect(
            result.data
                == .matrix([
                    RangeSeries(
                        labels: ["queue": "emails"],
                        points: [
                            SamplePoint(timestamp: 1_700_000_000, value: 3),
                            SamplePoint(timestamp: 1_700_000_015.5, value: 7),
                            SamplePoint(timestamp: 1_700_000_030, value: .nan),
                        ]
                    ),
                    RangeSeries(
                        labels: ["queue": "sms"],
                        points: [SamplePoint(timestamp: 1_700_000_000, value: -.infinity)]
                    ),
                ])
        )
    }

    @Test func warningsAreSurfaced() throws {
        let result = try QueryResponseDecoder.decode(status: 200, body: try fixture("warnings.json"))

        #expect(result.warnings == ["partial response: store 10.0.0.7 unavailable", "second warning"])
    }

    @Test(arguments: [
        (
            "error-bad-data.json", 400, PrometheusErrorType.badData,
            "invalid parameter \"query\": 1:14: parse error: unexpected right brace '}'"
        ),
        (
            "error-execution.json", 422, .execution,
            "query processing would load too many samples into memory in query execution"
        ),
        ("error-timeout.json", 503, .timeout, "query timed out in expression evaluation"),
        ("error-canceled.json", 503, .canceled, "query was canceled in expression evaluation"),
        ("error-internal.json", 500, .internal, "expanding series: read chunk: invalid checksum"),
        ("error-unavailable.json", 500, .unavailable, "TSDB not ready"),
        ("error-not-found.json", 404, .notFound, "not found"),
    ])
    func errorEnvelope(file: String, status: Int, errorType: PrometheusErrorType, message: String) throws {
        let body = try fixture(file)

        #expect(throws: MetricsError.prometheus(errorType: errorType, message: message, status: status)) {
            try QueryResponseDecoder.decode(status: status, body: body)
        }
    }

    @Test func plainTextUnavailable() throws {
        let body = try fixture("plain-unavailable.txt")

        #expect(throws: MetricsError.httpStatus(503, body: "Service Unavailable")) {
            try QueryResponseDecoder.decode(status: 503, body: body)
        }
    }

    @Test func proxyHTMLUnauthorized() throws {
        let body = try fixture("proxy-unauthorized.html")
        let expected = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)

        #expect(throws: MetricsError.httpStatus(401, body: expected)) {
            try QueryResponseDecoder.decode(status: 401, body: body)
        }
    }

    @Test func nonJSONSuccessIsInvalidResponse() throws {
        let body = try fixture("plain-unavailable.txt")

        let error = #expect(throws: MetricsError.self) { try QueryResponseDecoder.decode(status: 200, body: body) }

        guard case .invalidResponse = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
    }

    @Test func nonNumericValueIsInvalidResponse() throws {
        let body = try fixture("invalid-value.json")

        let error = #expect(throws: MetricsError.self) { try QueryResponseDecoder.decode(status: 200, body: body) }

        guard case .invalidResponse(let reason) = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("twelve"))
    }

    @Test(arguments: [
        (PrometheusErrorType.badData, MetricsErrorCategory.configuration),
        (.execution, .transient),
        (.timeout, .transient),
        (.notFound, .configuration),
    ])
    func errorCategory(errorType: PrometheusErrorType, category: MetricsErrorCategory) {
        #expect(MetricsError.prometheus(errorType: errorType, message: "", status: 400).category == category)
    }
}
