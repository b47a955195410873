import Autoscaler

/// The PromQL that reads the replicas a target had, from kube-state-metrics by default.
enum ReplicasQuery {
    /// `spec.replicas` as kube-state-metrics exports it for the target's kind. `max` folds the
    /// duplicate series that two kube-state-metrics replicas (or a restart) leave behind.
    static func `default`(for kind: WorkloadKind) -> String {
        switch kind {
        case .deployment:
            "max(kube_deployment_spec_replicas{namespace=\"{{namespace}}\",deployment=\"{{name}}\"})"
        case .statefulSet:
            "max(kube_statefulset_replicas{namespace=\"{{namespace}}\",statefulset=\"{{name}}\"})"
        }
    }
}
