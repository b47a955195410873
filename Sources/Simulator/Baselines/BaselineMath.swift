/// Arithmetic the baselines share.
enum BaselineMath {
    /// Rounds `value` up to a replica count after clamping it to [0, `Int32.max`]. Kubernetes
    /// counts replicas in `int32`, and Swift traps when it converts a non-finite `Double`.
    static func replicasRoundingUp(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        return Int(min(Double(Int32.max), max(0, value)).rounded(.up))
    }

    /// Rounds `value` down to a replica count after clamping it to [0, `Int32.max`].
    static func replicasRoundingDown(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        return Int(min(Double(Int32.max), max(0, value)).rounded(.down))
    }
}

/// A gate that lets an algorithm run at most once per period. The simulator may then offer
/// every observation to every model, and calls between runs change nothing.
struct RunSchedule: Sendable {
    let period: Double
    private(set) var lastRun: Double?

    init(period: Double) {
        self.period = period
    }

    /// True, and remembers `time`, when a period has passed since the last run (or none ran).
    mutating func isDue(at time: Double) -> Bool {
        // A thousandth of a second absorbs sums of periods such as 0.1 × 150.
        if let lastRun, time < lastRun + period - 1e-3 { return false }
        lastRun = time
        return true
    }
}
