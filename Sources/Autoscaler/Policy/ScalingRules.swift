/// The rules for one scaling direction, with the HPA's field names and defaults
/// (`autoscaling/v2` `HPAScalingRules`).
public struct ScalingRules: Sendable, Equatable, Codable {
    /// How far back recommendations are considered, in seconds (0...3600).
    public var stabilizationWindowSeconds: Int
    /// Which rate policy wins when several apply, or `disabled` to forbid this direction.
    public var selectPolicy: SelectPolicy
    /// Limits on the change per period; empty only when `selectPolicy` is `disabled`.
    public var policies: [RatePolicy]
    /// Relative deviation from a signal's target that proposes no change (0 <= tolerance < 1).
    public var tolerance: Double

    public init(
        stabilizationWindowSeconds: Int,
        selectPolicy: SelectPolicy,
        policies: [RatePolicy],
        tolerance: Double
    ) {
        self.stabilizationWindowSeconds = stabilizationWindowSeconds
        self.selectPolicy = selectPolicy
        self.policies = policies
        self.tolerance = tolerance
    }

    /// The HPA's scale-up default: no window, at most +100 % or +4 pods per 15 s, the larger.
    public static let defaultScaleUp = ScalingRules(
        stabilizationWindowSeconds: 0,
        selectPolicy: .max,
        policies: [
            RatePolicy(type: .percent, value: 100, periodSeconds: 15),
            RatePolicy(type: .pods, value: 4, periodSeconds: 15),
        ],
        tolerance: 0.1
    )

    /// The HPA's scale-down default: a 300 s window and at most -100 % per 15 s.
    public static let defaultScaleDown = ScalingRules(
        stabilizationWindowSeconds: 300,
        selectPolicy: .max,
        policies: [RatePolicy(type: .percent, value: 100, periodSeconds: 15)],
        tolerance: 0.1
    )
}

/// How rate policies combine, as the HPA's `selectPolicy`.
public enum SelectPolicy: String, Sendable, Codable, CaseIterable {
    /// The policy allowing the largest change wins.
    case max = "Max"
    /// The policy allowing the smallest change wins.
    case min = "Min"
    /// No scaling in this direction.
    case disabled = "Disabled"
}
