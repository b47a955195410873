/// One decoded query response: the result and any warnings Prometheus attached to it.
public struct QueryResult: Sendable, Equatable {
    public var data: ResultData
    /// Warnings sent with a successful response, such as a Thanos partial response.
    public var warnings: [String]

    public init(data: ResultData, warnings: [String] = []) {
        self.data = data
        self.warnings = warnings
    }
}

/// The `data.result` of a query response, by `resultType`.
public enum ResultData: Sendable, Equatable {
    case vector([InstantSample])
    case scalar(SamplePoint)
    case matrix([RangeSeries])
    case string(String, timestamp: Double)

    /// The name Prometheus uses in `resultType`.
    public var resultType: String {
        switch self {
        case .vector: "vector"
        case .scalar: "scalar"
        case .matrix: "matrix"
        case .string: "string"
        }
    }
}

/// One value at one time. `timestamp` is in Unix seconds with millisecond precision, and
/// `value` may be NaN or infinite.
public struct SamplePoint: Sendable, Equatable {
    public var timestamp: Double
    public var value: Double

    public init(timestamp: Double, value: Double) {
        self.timestamp = timestamp
        self.value = value
    }

    /// Compares NaN values as equal, so decoded fixtures can be checked with `==`.
    public static func == (lhs: SamplePoint, rhs: SamplePoint) -> Bool {
        lhs.timestamp == rhs.timestamp && (lhs.value == rhs.value || (lhs.value.isNaN && rhs.value.isNaN))
    }
}

/// One series of an instant vector. For an instant query `point.timestamp` is the
/// evaluation time, not the time the underlying sample was scraped.
public struct InstantSample: Sendable, Equatable {
    public var labels: [String: String]
    public var point: SamplePoint

    public init(labels: [String: String], point: SamplePoint) {
        self.labels = labels
        self.point = point
    }
}

/// One series of a range query result, with its points in time order.
public struct RangeSeries: Sendable, Equatable {
    public var labels: [String: String]
    public var points: [SamplePoint]

    public init(labels: [String: String], points: [SamplePoint]) {
        self.labels = labels
        self.points = points
    }
}
