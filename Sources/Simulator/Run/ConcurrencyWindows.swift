/// Requests in flight per Ready pod, kept for the last seconds, so that KPA-style baselines
/// can read averages over their stable and panic windows.
struct ConcurrencyWindows: Sendable {
    let windows: [Double]
    private var values: [Double] = []
    private var next = 0
    private var capacity: Int

    init(windows: [Double]) {
        self.windows = windows
        capacity = max(1, Int((windows.max() ?? 1).rounded(.up)))
    }

    /// Adds one tick's value.
    mutating func add(_ value: Double) {
        if values.count < capacity {
            values.append(value)
        } else {
            values[next] = value
        }
        next = (next + 1) % capacity
    }

    /// The mean over each window's last seconds (fewer at the start of a run); empty before the
    /// first tick, since no data is not zero.
    var averages: [Double: Double] {
        guard !values.isEmpty else { return [:] }
        var result: [Double: Double] = [:]
        for window in windows {
            let count = min(values.count, max(1, Int(window.rounded())))
            var sum = 0.0
            for offset in 1...count {
                sum += values[(next - offset + capacity * 2) % capacity]
            }
            result[window] = sum / Double(count)
        }
        return result
    }
}
