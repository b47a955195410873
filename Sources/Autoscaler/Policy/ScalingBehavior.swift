/// Scale-up and scale-down rules, named as in the HPA's `behavior` field.
public struct ScalingBehavior: Sendable, Equatable, Codable {
    public var scaleUp: ScalingRules
    public var scaleDown: ScalingRules

    public init(scaleUp: ScalingRules = .defaultScaleUp, scaleDown: ScalingRules = .defaultScaleDown) {
        self.scaleUp = scaleUp
        self.scaleDown = scaleDown
    }
}
