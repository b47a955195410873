import HTTPTransport

/// The `errorType` of a Prometheus error response.
public enum PrometheusErrorType: Sendable, Equatable {
    case badData
    case execution
    case timeout
    case canceled
    case `internal`
    case unavailable
    case notFound
    case notAcceptable
    case other(String)

    public init(_ name: String) {
        switch name {
        case "bad_data": self = .badData
        case "execution": self = .execution
        case "timeout": self = .timeout
        case "canceled": self = .canceled
        case "internal": self = .internal
        case "unavailable": self = .unavailable
        case "not_found": self = .notFound
        case "not_acceptable": self = .notAcceptable
        default: self = .other(name)
        }
    }
}

/// The class of a `MetricsError` that an operator or a retry policy acts on.
public enum MetricsErrorCategory: Sendable, Equatable {
    /// The query, template or address is wrong: retrying will not help.
    case configuration
    /// The server or network may recover: retry on the next cycle.
    case transient
    /// The server sent something this client cannot read.
    case `internal`
}

/// The reason a Prometheus query produced no result.
public enum MetricsError: Error, Sendable, Equatable {
    /// No HTTP response arrived.
    case transport(TransportError)
    /// Prometheus returned its error envelope (`"status":"error"`) with this HTTP status.
    case prometheus(errorType: PrometheusErrorType, message: String, status: Int)
    /// A non-2xx response without a Prometheus error envelope, for example from a proxy.
    /// `body` is the start of the response body.
    case httpStatus(Int, body: String)
    /// A 2xx response whose body is not a valid query response.
    case invalidResponse(reason: String)
    /// The query returned a result type the caller cannot use.
    case unexpectedResultType(expected: String, actual: String)
    /// A PromQL template cannot be parsed or filled in.
    case invalidTemplate(template: String, reason: String)
    /// Prometheus answered with `warnings`, such as a partial response; the result is not used.
    case warned(warnings: [String])

    public var category: MetricsErrorCategory {
        switch self {
        case .transport(.tls), .transport(.credentials), .transport(.failed):
            .configuration
        case .transport:
            .transient
        case .prometheus(let errorType, _, _):
            switch errorType {
            case .badData, .notFound, .notAcceptable: .configuration
            case .execution, .timeout, .canceled, .internal, .unavailable, .other: .transient
            }
        case .httpStatus(let status, _):
            (400..<500).contains(status) && status != 429 ? .configuration : .transient
        case .invalidResponse, .unexpectedResultType:
            .internal
        case .invalidTemplate:
            .configuration
        case .warned:
            .transient
        }
    }
}

extension MetricsError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .transport(let error):
            "Prometheus query failed: \(error)"
        case .prometheus(let errorType, let message, let status):
            "Prometheus rejected the query (HTTP \(status), \(errorType)): \(message)"
        case .httpStatus(let status, let body):
            "Prometheus returned HTTP \(status) without a query response: \(body); "
                + "check the base URL, the path prefix and the credentials"
        case .invalidResponse(let reason):
            "Prometheus sent an invalid query response: \(reason)"
        case .unexpectedResultType(let expected, let actual):
            "query returned a \(actual) result, but a \(expected) is required; "
                + "change the query so it returns an instant vector"
        case .invalidTemplate(let template, let reason):
            "invalid PromQL template \(template): \(reason)"
        case .warned(let warnings):
            "Prometheus answered with warnings (\(warnings.joined(separator: "; "))), so the result may be "
                + "partial and is not used; fix the cause the warning names"
        }
    }
}
