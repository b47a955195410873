import Observability

/// Forwards log records at `innerLevel` and above to `inner`, and prints each would-be action
/// of a dry run as one plain line on standard output, whatever the log level and format.
///
/// The logger in front of this sink must pass `info` records, because the would-be actions
/// are logged at `info`.
struct DryRunEchoSink: LogSink {
    let inner: any LogSink
    let innerLevel: LogLevel
    let standardOutput: @Sendable (String) -> Void

    /// The message the control loop logs for a write it skipped because of `--dry-run`.
    static let wouldScaleMessage = "dry run: would scale"

    func write(_ record: LogRecord) {
        if record.level >= innerLevel { inner.write(record) }
        guard record.message == Self.wouldScaleMessage else { return }
        let target = record.metadata["target"]?.description ?? "?"
        let current = record.metadata["currentReplicas"]?.description ?? "?"
        let desired = record.metadata["desiredReplicas"]?.description ?? "?"
        let reason = record.metadata["reason"]?.description ?? "?"
        standardOutput("dry run: would scale \(target) from \(current) to \(desired) (\(reason))\n")
    }
}
