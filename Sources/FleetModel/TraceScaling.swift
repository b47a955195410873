/// The rule that turns per-minute counts into requests per second.
public enum TraceScaling: Sendable, Equatable {
    /// requests/s = count × factor / 60, as in "× 2.2 / 60".
    case factor(Double)
    /// Every minute scaled by one factor so that the busiest minute runs at this many requests/s.
    case peakMinute(requestsPerSecond: Double)
    /// Every minute scaled by one factor so that the median minute runs at this many requests/s.
    /// The median of an even number of minutes is the mean of the middle two.
    case medianMinute(requestsPerSecond: Double)
}

extension RequestTrace {
    /// The largest count of any minute; 0 for an empty trace.
    public var peakRequestsPerMinute: Double { requestsPerMinute.max() ?? 0 }

    /// The median count over the minutes; 0 for an empty trace.
    public var medianRequestsPerMinute: Double {
        let sorted = requestsPerMinute.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Requests per second in each minute under `scaling`.
    public func requestsPerSecond(scaledBy scaling: TraceScaling) throws -> [Double] {
        let perMinuteFactor: Double
        switch scaling {
        case .factor(let factor):
            guard factor.isFinite, factor >= 0 else {
                throw RequestTraceError.invalidScaling(value: "factor \(factor)", reason: "use a finite factor ≥ 0")
            }
            perMinuteFactor = factor / 60
        case .peakMinute(let target):
            perMinuteFactor = try Self.factor(mapping: peakRequestsPerMinute, named: "peak", to: target)
        case .medianMinute(let target):
            perMinuteFactor = try Self.factor(mapping: medianRequestsPerMinute, named: "median", to: target)
        }
        return requestsPerMinute.map { $0 * perMinuteFactor }
    }

    /// A load that runs each minute at its scaled rate for 60 s.
    public func load(scaledBy scaling: TraceScaling) throws -> PerMinuteLoad {
        PerMinuteLoad(requestsPerSecond: try requestsPerSecond(scaledBy: scaling))
    }

    private static func factor(mapping count: Double, named name: String, to target: Double) throws -> Double {
        guard target.isFinite, target > 0 else {
            throw RequestTraceError.invalidScaling(
                value: "\(name) minute → \(target)/s",
                reason: "use a finite rate > 0"
            )
        }
        guard count > 0 else {
            throw RequestTraceError.invalidScaling(
                value: "\(name) minute → \(target)/s",
                reason: "the trace's \(name) minute has 0 requests, so no factor maps it; choose another window"
            )
        }
        return target / count
    }
}
