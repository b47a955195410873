/// Exit statuses of `headroom`, stated in its help text.
public enum ExitCode: Int32, Sendable {
    /// The command succeeded; for `check`, every target is valid.
    case success = 0
    /// For `check`: the policy was read but at least one target (or document key) is invalid.
    case invalidPolicy = 1
    /// The command line is wrong: unknown command or option, missing value.
    case usage = 2
    /// The policy file cannot be read, is not YAML or JSON, or is not a ScalingPolicy.
    case unreadablePolicy = 3
}
