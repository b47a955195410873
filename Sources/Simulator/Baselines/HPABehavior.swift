/// One rate limit of an HPA `behavior` rule: at most `value` pods or `value` percent of the
/// replicas at the start of the last `periodSeconds`.
public struct HPAScalingPolicy: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `type: Pods`.
        case pods
        /// `type: Percent`.
        case percent
    }

    public var kind: Kind
    public var value: Int
    public var periodSeconds: Double

    public init(_ kind: Kind, value: Int, periodSeconds: Double) {
        self.kind = kind
        self.value = value
        self.periodSeconds = periodSeconds
    }
}

/// `selectPolicy` of an HPA scaling rule.
public enum HPASelectPolicy: Sendable, Equatable {
    /// The policy that allows the largest change (the Kubernetes default).
    case max
    /// The policy that allows the smallest change.
    case min
    /// No change in this direction.
    case disabled
}

/// `behavior.scaleUp` or `behavior.scaleDown` of an autoscaling/v2 HPA.
public struct HPAScalingRules: Sendable, Equatable {
    /// `stabilizationWindowSeconds`: scale-up takes the lowest and scale-down the highest
    /// recommendation of this many past seconds, so a brief swing does not move the replicas.
    public var stabilizationWindowSeconds: Double
    public var selectPolicy: HPASelectPolicy
    public var policies: [HPAScalingPolicy]

    public init(stabilizationWindowSeconds: Double, selectPolicy: HPASelectPolicy = .max, policies: [HPAScalingPolicy])
    {
        self.stabilizationWindowSeconds = stabilizationWindowSeconds
        self.selectPolicy = selectPolicy
        self.policies = policies
    }

    /// The maximum policy period. Scale events older than it no longer limit anything.
    var maximumPeriod: Double { policies.map(\.periodSeconds).max() ?? 0 }
}

/// `spec.behavior` of an autoscaling/v2 HPA.
public struct HPABehavior: Sendable, Equatable {
    public var scaleUp: HPAScalingRules
    public var scaleDown: HPAScalingRules

    public init(scaleUp: HPAScalingRules, scaleDown: HPAScalingRules) {
        self.scaleUp = scaleUp
        self.scaleDown = scaleDown
    }

    /// The values Kubernetes fills in when `behavior` is left out. Scale-up allows the larger of
    /// 100 % and 4 pods per 15 s with no window. Scale-down allows 100 % per 15 s after a 300 s
    /// window, the default of `--horizontal-pod-autoscaler-downscale-stabilization`.
    public static let kubernetesDefault = HPABehavior(
        scaleUp: HPAScalingRules(
            stabilizationWindowSeconds: 0,
            policies: [
                HPAScalingPolicy(.percent, value: 100, periodSeconds: 15),
                HPAScalingPolicy(.pods, value: 4, periodSeconds: 15),
            ]
        ),
        scaleDown: HPAScalingRules(
            stabilizationWindowSeconds: 300,
            policies: [HPAScalingPolicy(.percent, value: 100, periodSeconds: 15)]
        )
    )

    /// A hand-tuned variant for bursts: scale up by the larger of 900 % and 4 pods per 15 s,
    /// and scale down after a 60 s window instead of 300 s.
    public static let tuned = HPABehavior(
        scaleUp: HPAScalingRules(
            stabilizationWindowSeconds: 0,
            policies: [
                HPAScalingPolicy(.percent, value: 900, periodSeconds: 15),
                HPAScalingPolicy(.pods, value: 4, periodSeconds: 15),
            ]
        ),
        scaleDown: HPAScalingRules(
            stabilizationWindowSeconds: 60,
            policies: [HPAScalingPolicy(.percent, value: 100, periodSeconds: 15)]
        )
    )
}
