import Observability

/// Forwards every log record to `inner` and also prints each would-be action of a dry run as
/// one plain line on standard output, so a person sees it at any log level and format.
struct DryRunEchoSink: LogSink {
    let inner: any LogSink
    let standardOutput: @Sendable (String) -> Void

    /// The message the control loop logs for a write it skipped because of `--dry-run`.
    static let wouldScaleMessage = "dry run: would scale"

    func write(_ record: LogRecord) {
        inner.write(record)
        guard record.message == Self.wouldScaleMessage else { return }
        let target = record.metadata["target"]?.description ?? "?"
        let current = record.metadata["currentReplicas"]?.description ?? "?"
        let desired = record.metadata["desiredReplicas"]?.description ?? "?"
        let reason = record.metadata["reason"]?.description ?? "?"
        standardOutput("dry run: would scale \(target) from \(current) to \(desired) (\(reason))\n")
    }
}
