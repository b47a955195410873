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
    /// For `run`: no target in the policy is valid, so there is nothing to run.
    case noValidTarget = 4
    /// For `run`: the Kubernetes configuration, a client or the metrics endpoint could not be
    /// set up.
    case setupFailed = 5
    /// For `run --once`: a target could not be read or written, or another writer changed it
    /// between the read and the write.
    case cycleIncomplete = 6
    /// For `run`: a second SIGTERM or SIGINT arrived while the loop was finishing its cycle.
    case interrupted = 7
    /// For `run --once`: every target was handled, but a signal's query failed (Prometheus
    /// unreachable, timing out, an error status or an unreadable response), so its target
    /// was decided without it.
    case signalQueryFailed = 8
}
