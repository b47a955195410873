/// A limit on how much the replica count may change within a period, as the HPA's
/// `HPAScalingPolicy`.
public struct RatePolicy: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// `value` is a number of pods.
        case pods = "Pods"
        /// `value` is a percentage of the replica count at the start of the period.
        case percent = "Percent"
    }

    public var type: Kind
    /// Pods or percent, greater than 0.
    public var value: Int
    /// Length of the period in seconds (1...1800).
    public var periodSeconds: Int

    public init(type: Kind, value: Int, periodSeconds: Int) {
        self.type = type
        self.value = value
        self.periodSeconds = periodSeconds
    }
}
