/// The `headroom replay --help` text.
enum ReplayHelp {
    static let usage = "headroom replay --policy FILE --start TIME --end TIME [--step 15s] [options]"

    static let text = """
        Usage: \(usage)

        Replays a past time range through the decision engine: every signal of every valid
        target is read with query_range, and the engine decides at each step as 'headroom run'
        would have, starting each cycle from the replicas that actually existed then. Prints
        each step whose recommendation differs from the count the workload had next, with the
        rule behind it, and a summary per target. Writes nothing to the cluster.

        Options:
          --policy FILE            The ScalingPolicy (YAML or JSON). Invalid targets are
                                   reported and skipped.
          --prometheus URL         Prometheus base URL, with any path prefix
                                   (default http://127.0.0.1:9090).
          --start TIME, --end TIME The range, RFC 3339 (2024-05-01T10:00:00Z) or Unix seconds.
          --step DURATION          Time between replayed cycles, 1s to 24h (default 15s).
          --replicas-query PROMQL  The replicas that existed, with {{namespace}} and {{name}}.
                                   Default: max(kube_deployment_spec_replicas{...}) or
                                   max(kube_statefulset_replicas{...}) from kube-state-metrics.
          --plot FILE.svg          Also write a chart of actual and recommended replicas.
          --csv FILE               Also write every step of every target as CSV.
          -h, --help               Show this text.

        Exit codes:
          0  the range was replayed
          2  usage error: unknown option, missing or invalid value
          3  the policy file cannot be read, is not YAML or JSON, or is not a ScalingPolicy
          4  no target in the policy is valid
          5  Prometheus could not be queried for the replicas, or an output file not written

        """
}
