import Autoscaler

/// PromQL for an HPA's CPU and memory metrics, read from the series that the kubelet's
/// cAdvisor (`container_cpu_usage_seconds_total`, `container_memory_working_set_bytes`) and
/// kube-state-metrics (`kube_pod_container_resource_requests`, `kube_pod_status_ready`)
/// publish, as the metrics-server the HPA uses reads the same cAdvisor figures.
///
/// Only ready pods count, as in the HPA, and a pod belongs to the target by its name:
/// `<deployment>-<pod-template-hash>-<suffix>` or `<statefulset>-<ordinal>`, because a
/// workload's label selector is not among these series' labels.
struct ResourceQuery {
    enum Resource: String {
        case cpu
        case memory
    }

    let resource: Resource
    let kind: WorkloadKind
    /// The container a `ContainerResource` metric reads, or `nil` for the whole pod.
    let container: String?

    /// The pod name pattern of the target's pods, with the `{{name}}` placeholder that the
    /// Prometheus client fills in and regex-escapes.
    var podPattern: String {
        switch kind {
        case .deployment: "{{name}}-[a-z0-9]+-[a-z0-9]+"
        case .statefulSet: "{{name}}-[0-9]+"
        }
    }

    private var podMatchers: String { #"namespace="{{namespace}}", pod=~"\#(podPattern)""# }

    private var containerMatchers: String {
        // cAdvisor also reports the whole pod's cgroup (container="") and, with dockershim, the
        // pause container ("POD"); neither is a container of the pod spec.
        if let container { return #", container="\#(container)""# }
        return ""
    }

    private var usage: String {
        let matchers = podMatchers + #", container!="", container!="POD""# + containerMatchers
        switch resource {
        case .cpu: return "rate(container_cpu_usage_seconds_total{\(matchers)}[2m])"
        case .memory: return "container_memory_working_set_bytes{\(matchers)}"
        }
    }

    private var requests: String {
        #"kube_pod_container_resource_requests{\#(podMatchers), resource="\#(resource.rawValue)"\#(containerMatchers)}"#
    }

    private var readyPods: String {
        #"kube_pod_status_ready{\#(podMatchers), condition="true"} == 1"#
    }

    /// Usage of the ready pods over their requests, a ratio: the HPA's `Utilization`.
    var utilization: String {
        "sum(\(usage) and on (namespace, pod) (\(readyPods))) / sum(\(requests) and on (namespace, pod) (\(readyPods)))"
    }

    /// Usage per ready pod, in cores or bytes: the HPA's `AverageValue`.
    var averageValue: String {
        "sum(\(usage) and on (namespace, pod) (\(readyPods))) / count(\(readyPods))"
    }
}
