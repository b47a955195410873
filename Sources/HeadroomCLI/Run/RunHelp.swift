/// The `headroom run --help` text.
enum RunHelp {
    static let usage = "headroom run --policy FILE [--dry-run] [--once] [options]"

    static let text = """
        Usage: \(usage)

        Runs the control loop: every interval, one batched round of Prometheus queries for all
        targets, then each target reconciled and, when the decision differs from its
        spec.replicas, scaled through its scale subresource. Logs go to standard error.

        Options:
          --policy FILE              The ScalingPolicy (YAML or JSON). Invalid targets are logged
                                     as errors and skipped; the valid ones run.
          --dry-run                  Read everything, write nothing (no scale, no Event). Each
                                     would-be action is printed on standard output.
          --once                     Run one cycle and exit.
          --interval DURATION        Time from one cycle's start to the next, 1s to 24h
                                     (default 15s).
          --prometheus URL           Prometheus base URL, with any path prefix
                                     (default http://127.0.0.1:9090).
          --kubeconfig PATH          Kubeconfig file. Without it: KUBECONFIG, then the in-cluster
                                     service account, then ~/.kube/config.
          --context NAME             Kubeconfig context instead of current-context.
          --log-format json|text     Log record format (default text).
          --log-level LEVEL          debug, info, warning or error (default info).
          --metrics-address ADDR     HOST:PORT of /metrics and /healthz (default 127.0.0.1:8080;
                                     port 0 picks a free port); "" or none disables it.
          --max-concurrent-targets N Targets reconciled at once, 1 to 1000 (default 8).
          --kube-api-qps N           Kubernetes API requests per second, 1 to 10000 (default 50);
                                     scale writes go before reads, reads before Events.
          --kube-api-burst N         Requests allowed at once above the rate (default 100).
          --kube-timeout DURATION    How long one Kubernetes API request may take, connecting
                                     included, before it fails as timed out and the target
                                     backs off (100ms to 5m, default 30s).

        Prometheus connection:
          --prometheus-ca-file FILE          CA bundle (PEM) for an https:// URL.
          --prometheus-cert-file FILE        Client certificate (PEM), with --prometheus-key-file.
          --prometheus-key-file FILE         Client key (PEM).
          --prometheus-bearer-token-file F   Send "Authorization: Bearer" with the file's
                                             contents, re-read every 60 s.
          --prometheus-basic-auth-file FILE  Basic auth from the first line, user:password.
          --prometheus-header NAME=VALUE     Extra header on every query, such as
                                             X-Scope-OrgID=tenant-a (repeatable).
          --prometheus-insecure-skip-verify  Do not verify the server certificate.
          --prometheus-timeout DURATION      How long one query may take, connecting
                                             included, before its signal fails for the
                                             cycle (100ms to 5m, default 30s). A query
                                             running past half of it (at most one
                                             interval) logs a warning.
          -h, --help                         Show this text.

        Policy reload (not with --once):
          --policy-poll-interval DURATION    How often the policy file is read, 1s to 1h
                                             (default 5s). A changed policy with no problem
                                             applies from the next cycle; one with any problem
                                             is rejected and the last good policy keeps running.
          --policy-configmap NAMESPACE/NAME  The ConfigMap the policy is mounted from; a
                                             rejected reload is recorded as a Warning Event
                                             PolicyReloadFailed on it (default: on each target
                                             of the running policy), and the policy's freeze
                                             as one HeldByOperator Event (default: on the
                                             policy's first target).
          --leader-elect                     Take part in leader election on a
                                             coordination.k8s.io/v1 Lease; only the leader
                                             writes, a standby keeps deciding. The leader
                                             keeps the decision history in the Lease
                                             <lease>-state. Never with --dry-run.
          --leader-election-namespace NS     The Lease's namespace (default: POD_NAMESPACE,
                                             then default).
          --leader-election-lease NAME       The Lease's name (default headroom).
          --leader-election-lease-duration DURATION
                                             How long a Lease holds without renewal (default
                                             15s, whole seconds).
          --leader-election-renew-deadline DURATION
                                             How long the leader keeps trying to renew before
                                             it stops leading (default 10s).
          --leader-election-retry-period DURATION
                                             Time between attempts, jittered by up to 120 %
                                             as client-go does (default 2s).

        Signals: the first SIGTERM or SIGINT finishes the current cycle and exits 0 (after at
        most 10 seconds); a second one exits at once with status 7.

        Exit codes:
          0  stopped by a signal; with --once, every target was read and handled as decided
             and every signal query was answered
          2  usage error: unknown option, missing or invalid value
          3  the policy file cannot be read, is not YAML or JSON, or is not a ScalingPolicy
          4  no target in the policy is valid
          5  setup failed: Kubernetes configuration, a credential file, or the metrics address
          6  with --once: a target could not be read or written, or another writer changed
             it between the read and the write
          7  a second signal arrived before the cycle finished
          8  with --once: every target was handled, but a signal query failed (Prometheus
             unreachable, timing out, an error status or an unreadable response); when 6
             also applies, the status is 6

        """
}
