/// Replica arithmetic done in `Double` and converted to `Int` only when the value is finite
/// and within bounds, because Swift traps on converting a non-finite or out-of-range Double.
enum ReplicaMath {
    /// Relative slack for floating-point rounding in ceilings and tolerance edges.
    static let slack = 1e-9

    /// Returns the ceiling of `value`, except that a value within rounding error of an integer
    /// becomes that integer, so `2.0000000000000004` gives 2, not 3.
    static func ceiling(_ value: Double) -> Double {
        guard value.isFinite else { return value }
        let nearest = value.rounded()
        if abs(value - nearest) <= slack * max(1, abs(value)) { return nearest }
        return value.rounded(.up)
    }

    /// `value` clamped to `[lower, upper]` and converted; NaN gives `lower`. Requires
    /// `lower <= upper`.
    static func clamp(_ value: Double, _ lower: Int, _ upper: Int) -> Int {
        guard !value.isNaN, value > Double(lower) else { return lower }
        guard value < Double(upper) else { return upper }
        return Int(value)
    }
}
