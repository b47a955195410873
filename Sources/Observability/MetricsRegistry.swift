import Synchronization

/// The process's metrics, rendered in the Prometheus text exposition format 0.0.4.
public final class MetricsRegistry: Sendable {
    /// The `Content-Type` of `render()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let families = Mutex<[MetricFamily]>([])
    private let renderHooks = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    public func counter(_ name: String, help: String, labelNames: [String] = []) -> MetricFamily {
        register(MetricFamily(name: name, help: help, type: .counter, labelNames: labelNames, buckets: []))
    }

    public func gauge(_ name: String, help: String, labelNames: [String] = []) -> MetricFamily {
        register(MetricFamily(name: name, help: help, type: .gauge, labelNames: labelNames, buckets: []))
    }

    /// Registers a histogram with the given ascending bucket upper bounds. `+Inf` is implicit.
    public func histogram(
        _ name: String,
        help: String,
        labelNames: [String] = [],
        buckets: [Double]
    ) -> MetricFamily {
        precondition(buckets == buckets.sorted() && Set(buckets).count == buckets.count, "buckets must ascend")
        precondition(buckets.allSatisfy(\.isFinite), "bucket bounds must be finite; +Inf is implicit")
        let family = MetricFamily(
            name: name,
            help: help,
            type: .histogram,
            labelNames: labelNames,
            buckets: buckets
        )
        return register(family)
    }

    /// Adds `hook`, run at the start of every `render()`, for a value that changes with time alone
    /// (such as whether a deadline has passed) and so has no event that could set it.
    public func onRender(_ hook: @escaping @Sendable () -> Void) {
        renderHooks.withLock { $0.append(hook) }
    }

    /// Renders every family in registration order, as the `/metrics` endpoint serves them.
    public func render() -> String {
        for hook in renderHooks.withLock({ $0 }) { hook() }
        var output = ""
        for family in families.withLock({ $0 }) {
            output += ExpositionFormat.render(family)
        }
        return output
    }

    private func register(_ family: MetricFamily) -> MetricFamily {
        precondition(ExpositionFormat.isValidMetricName(family.name), "invalid metric name \(family.name)")
        for label in family.labelNames {
            precondition(ExpositionFormat.isValidLabelName(label), "invalid label name \(label) on \(family.name)")
            precondition(family.type != .histogram || label != "le", "histogram \(family.name) cannot use label le")
        }
        return families.withLock { all in
            precondition(!all.contains { $0.name == family.name }, "metric \(family.name) registered twice")
            all.append(family)
            return family
        }
    }
}
