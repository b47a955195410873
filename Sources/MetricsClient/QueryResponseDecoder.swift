import Foundation

/// Decodes the body of `/api/v1/query` and `/api/v1/query_range` responses.
///
/// Sample values arrive as JSON strings, including `"NaN"`, `"+Inf"` and `"-Inf"`, and
/// timestamps as JSON numbers in seconds. Unknown top-level keys (`stats`, `infos`,
/// `isPartial`) are ignored.
public enum QueryResponseDecoder {
    /// Largest number of body characters kept in an error for a non-JSON response.
    static let bodyExcerptLength = 300

    /// Returns the result of a success envelope, or throws the `MetricsError` that the
    /// HTTP status and body describe.
    public static func decode(status: Int, body: Data) throws(MetricsError) -> QueryResult {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: body)
        } catch {
            guard (200..<300).contains(status) else {
                throw .httpStatus(status, body: excerpt(body))
            }
            throw .invalidResponse(reason: "the body is not a query response JSON object: \(error)")
        }

        switch envelope.status {
        case "success":
            // Prometheus responds to every successful request with 2xx, so a success body under
            // another status comes from something in between (a cache or a proxy) and is not
            // trusted.
            guard (200..<300).contains(status) else {
                throw .httpStatus(status, body: excerpt(body))
            }
            guard let data = envelope.data else {
                throw .invalidResponse(reason: "a success response has no data field")
            }
            return QueryResult(data: data.result, warnings: envelope.warnings ?? [])
        case "error":
            throw .prometheus(
                errorType: PrometheusErrorType(envelope.errorType ?? ""),
                message: envelope.error ?? "",
                status: status
            )
        default:
            guard (200..<300).contains(status) else {
                throw .httpStatus(status, body: excerpt(body))
            }
            throw .invalidResponse(reason: "unknown response status \"\(envelope.status)\"")
        }
    }

    static func excerpt(_ body: Data) -> String {
        let text = String(decoding: body.prefix(bodyExcerptLength * 4), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count > bodyExcerptLength else { return text }
        return String(text.prefix(bodyExcerptLength)) + "…"
    }
}

private struct Envelope: Decodable {
    var status: String
    var data: DataField?
    var errorType: String?
    var error: String?
    var warnings: [String]?
}

private struct DataField: Decodable {
    var result: ResultData

    private enum CodingKeys: String, CodingKey {
        case resultType
        case result
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let resultType = try container.decode(String.self, forKey: .resultType)
        switch resultType {
        case "vector":
            let series = try container.decode([VectorSeries].self, forKey: .result)
            result = .vector(try series.map { InstantSample(labels: $0.metric, point: try $0.value.point()) })
        case "matrix":
            let series = try container.decode([MatrixSeries].self, forKey: .result)
            result = .matrix(
                try series.map { RangeSeries(labels: $0.metric, points: try $0.values.map { try $0.point() }) }
            )
        case "scalar":
            result = .scalar(try container.decode(WirePoint.self, forKey: .result).point())
        case "string":
            let pair = try container.decode(WirePoint.self, forKey: .result)
            result = .string(pair.text, timestamp: pair.timestamp)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .resultType,
                in: container,
                debugDescription: "unknown resultType \"\(resultType)\""
            )
        }
    }
}

private struct VectorSeries: Decodable {
    var metric: [String: String]
    var value: WirePoint
}

private struct MatrixSeries: Decodable {
    var metric: [String: String]
    var values: [WirePoint]
}

/// A `[timestamp, "value"]` pair as sent.
private struct WirePoint: Decodable {
    var timestamp: Double
    var text: String

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        timestamp = try container.decode(Double.self)
        text = try container.decode(String.self)
    }

    /// Converts the pair to a sample. Throws when the value text is not a number.
    func point() throws -> SamplePoint {
        guard let value = parseSampleValue(text) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: [], debugDescription: "sample value \"\(text)\" is not a number")
            )
        }
        return SamplePoint(timestamp: timestamp, value: value)
    }
}

/// Parses a sample value as Prometheus formats it (Go `strconv.FormatFloat`), including
/// `NaN`, `+Inf` and `-Inf`. Returns nil for anything else.
func parseSampleValue(_ text: String) -> Double? {
    switch text {
    case "NaN": return .nan
    case "+Inf", "Inf": return .infinity
    case "-Inf": return -.infinity
    default:
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
