import Autoscaler
import YAML

extension HPAMapping {
    /// Maps `spec.metrics` of an `autoscaling/v2` HPA. An HPA without metrics scales on 80 %
    /// CPU utilization, and so does its target here.
    mutating func v2Signals(_ spec: YAMLNode, kind: WorkloadKind) -> [YAMLNode] {
        guard let metricsNode = spec["metrics"], !(metricsNode.scalar?.isNull ?? false) else {
            return [utilizationSignal(.cpu, percent: Self.defaultCPUUtilizationPercent, kind: kind, container: nil)]
        }
        guard let metrics = metricsNode.items else {
            reader.report(metricsNode, "spec.metrics", "expected a list of metrics, found a \(metricsNode.kindName)")
            return []
        }
        if metrics.isEmpty {
            return [utilizationSignal(.cpu, percent: Self.defaultCPUUtilizationPercent, kind: kind, container: nil)]
        }
        var signals: [YAMLNode] = []
        for (index, metric) in metrics.enumerated() {
            if let signal = self.signal(metric, field: "spec.metrics[\(index)]", kind: kind) {
                signals.append(signal)
            }
        }
        return signals
    }

    /// Maps `spec.targetCPUUtilizationPercentage` of an `autoscaling/v1` HPA (80 when unset).
    mutating func v1Signals(_ spec: YAMLNode, kind: WorkloadKind) -> [YAMLNode] {
        let field = "spec.targetCPUUtilizationPercentage"
        let percent = reader.int(spec["targetCPUUtilizationPercentage"], field) ?? Self.defaultCPUUtilizationPercent
        guard percent > 0 else {
            reader.report(
                spec["targetCPUUtilizationPercentage"] ?? spec,
                field,
                "must be greater than 0, found \(percent)"
            )
            return []
        }
        return [utilizationSignal(.cpu, percent: percent, kind: kind, container: nil)]
    }

    /// Notes the annotations in which an `autoscaling/v1` object carries v2-only fields.
    mutating func noteV1Annotations(_ object: YAMLNode) {
        let annotations = object["metadata"]?["annotations"]
        let export = "export the HPA as autoscaling/v2 (kubectl get hpa.v2.autoscaling -o yaml) to import them"
        if annotations?["autoscaling.alpha.kubernetes.io/metrics"] != nil {
            note(
                "metadata.annotations[autoscaling.alpha.kubernetes.io/metrics]",
                "v2 metrics are not read from v1 annotations; " + export
            )
        }
        if annotations?["autoscaling.alpha.kubernetes.io/behavior"] != nil {
            note(
                "metadata.annotations[autoscaling.alpha.kubernetes.io/behavior]",
                "v2 behavior is not read from v1 annotations; " + export
            )
        }
    }

    private mutating func signal(_ metric: YAMLNode, field: String, kind: WorkloadKind) -> YAMLNode? {
        guard reader.mapping(metric, field) != nil else { return nil }
        guard let type = reader.string(metric["type"], field + ".type") else {
            if metric["type"] == nil {
                reader.report(
                    metric,
                    field + ".type",
                    "missing; expected Resource, ContainerResource, Pods, Object or External"
                )
            }
            return nil
        }
        switch type {
        case "Resource":
            return resourceSignal(
                metric["resource"],
                in: metric,
                field: field + ".resource",
                kind: kind,
                containerResource: false
            )
        case "ContainerResource":
            return resourceSignal(
                metric["containerResource"],
                in: metric,
                field: field + ".containerResource",
                kind: kind,
                containerResource: true
            )
        case "Pods", "Object", "External":
            noteAdapterMetric(metric, type: type, field: field)
            return nil
        default:
            reader.report(
                metric["type"] ?? metric,
                field + ".type",
                "unknown metric type \"\(type)\"; expected Resource, ContainerResource, Pods, Object or External"
            )
            return nil
        }
    }

    /// Pods, Object and External metrics come from a metrics adapter (prometheus-adapter, KEDA,
    /// a cloud adapter) whose own rules turn a metric name into a query, so the HPA alone does
    /// not say which Prometheus series to read.
    private mutating func noteAdapterMetric(_ metric: YAMLNode, type: String, field: String) {
        let key = type.prefix(1).lowercased() + type.dropFirst()
        let name = metric[key]?["metric"]?["name"]?.scalar?.value ?? "(unnamed)"
        var described = "\(type) metric \"\(name)\""
        if type == "Object", let object = metric["object"]?["describedObject"] {
            let objectKind = object["kind"]?.scalar?.value ?? "?"
            let objectName = object["name"]?.scalar?.value ?? "?"
            described += " of \(objectKind) \(objectName)"
        }
        var reason =
            "\(described) is served by a metrics adapter whose rules, not the HPA, define its query; write a signal "
            + "with the adapter's PromQL for it"
        if type == "External", name.hasPrefix("s"), name.contains("-") {
            reason += " (a KEDA ScaledObject names its metrics s<N>-<trigger>: translate the ScaledObject's triggers)"
        }
        note(field, reason)
    }

    private mutating func resourceSignal(
        _ node: YAMLNode?,
        in metric: YAMLNode,
        field: String,
        kind: WorkloadKind,
        containerResource: Bool
    ) -> YAMLNode? {
        guard let node else {
            reader.report(
                metric,
                field,
                "missing; a \(containerResource ? "ContainerResource" : "Resource") metric needs it"
            )
            return nil
        }
        guard reader.mapping(node, field) != nil,
            let name = reader.string(node["name"], field + ".name")
        else {
            if node["name"] == nil { reader.report(node, field + ".name", "missing; expected cpu or memory") }
            return nil
        }
        var container: String?
        if containerResource {
            guard let value = reader.string(node["container"], field + ".container") else {
                if node["container"] == nil {
                    reader.report(node, field + ".container", "missing; name the container whose usage counts")
                }
                return nil
            }
            guard Self.isDNSLabel(value) else {
                reader.report(
                    node["container"] ?? node,
                    field + ".container",
                    "\"\(value)\" is not a container name (lowercase letters, digits and '-', at most 63)"
                )
                return nil
            }
            container = value
        }
        guard let resource = ResourceQuery.Resource(rawValue: name) else {
            note(
                field + ".name",
                "resource \"\(name)\" has no usage series in cAdvisor that maps; only cpu and memory map"
            )
            return nil
        }
        guard let targetNode = node["target"] else {
            reader.report(node, field + ".target", "missing; set type Utilization or AverageValue and its value")
            return nil
        }
        guard reader.mapping(targetNode, field + ".target") != nil,
            let targetType = reader.string(targetNode["type"], field + ".target.type")
        else {
            if targetNode["type"] == nil {
                reader.report(targetNode, field + ".target.type", "missing; expected Utilization or AverageValue")
            }
            return nil
        }
        switch targetType {
        case "Utilization":
            let valueField = field + ".target.averageUtilization"
            guard let percent = reader.int(targetNode["averageUtilization"], valueField) else {
                if targetNode["averageUtilization"] == nil {
                    reader.report(
                        targetNode,
                        valueField,
                        "missing; a Utilization target needs a percentage of the requests"
                    )
                }
                return nil
            }
            guard percent > 0 else {
                reader.report(
                    targetNode["averageUtilization"] ?? targetNode,
                    valueField,
                    "must be greater than 0, found \(percent)"
                )
                return nil
            }
            return utilizationSignal(resource, percent: percent, kind: kind, container: container)
        case "AverageValue":
            let valueField = field + ".target.averageValue"
            guard let quantity = reader.quantity(targetNode["averageValue"], valueField) else {
                if targetNode["averageValue"] == nil {
                    reader.report(
                        targetNode,
                        valueField,
                        "missing; an AverageValue target needs a quantity such as 500m or 512Mi"
                    )
                }
                return nil
            }
            guard quantity.value > 0 else {
                reader.report(
                    targetNode["averageValue"] ?? targetNode,
                    valueField,
                    "must be greater than 0, found \(quantity.text)"
                )
                return nil
            }
            return averageValueSignal(resource, quantity: quantity, kind: kind, container: container)
        case "Value":
            note(field + ".target.type", "a Resource metric takes Utilization or AverageValue, not Value")
            return nil
        default:
            reader.report(
                targetNode["type"] ?? targetNode,
                field + ".target.type",
                "unknown target type \"\(targetType)\"; expected Utilization or AverageValue"
            )
            return nil
        }
    }

    func utilizationSignal(
        _ resource: ResourceQuery.Resource,
        percent: Int,
        kind: WorkloadKind,
        container: String?
    ) -> YAMLNode {
        let query = ResourceQuery(resource: resource, kind: kind, container: container)
        return .map([
            ("name", .string(Self.signalName(resource, "utilization", container: container))),
            ("query", .string(query.utilization)),
            ("target", .string("\(percent)%")),
            ("resultUnit", .string(ValueUnit.ratio.rawValue)),
            ("rule", .string(ProposalRule.utilization.rawValue)),
        ])
    }

    func averageValueSignal(
        _ resource: ResourceQuery.Resource,
        quantity: KubernetesQuantity,
        kind: WorkloadKind,
        container: String?
    ) -> YAMLNode {
        let query = ResourceQuery(resource: resource, kind: kind, container: container)
        let target: String
        let unit: ValueUnit
        switch resource {
        case .cpu:
            target = Self.number(quantity.value)
            unit = .count
        case .memory:
            target = Self.bytes(quantity.value)
            unit = .bytes
        }
        return .map([
            ("name", .string(Self.signalName(resource, "average", container: container))),
            ("query", .string(query.averageValue)),
            ("target", .string(target)),
            ("resultUnit", .string(unit.rawValue)),
            ("rule", .string(ProposalRule.utilization.rawValue)),
        ])
    }

    /// `cpu-utilization` or, for a container, `cpu-utilization-<container>`, cut to the 63
    /// characters a signal name may have.
    static func signalName(_ resource: ResourceQuery.Resource, _ measure: String, container: String?) -> String {
        let base = "\(resource.rawValue)-\(measure)"
        guard let container else { return base }
        return String("\(base)-\(container)".prefix(63))
    }

    /// Writes cores as a plain number, such as `0.5` for `500m`.
    static func number(_ value: Double) -> String {
        YAMLNode.double(value).scalar?.value ?? String(value)
    }

    /// Writes bytes with the largest binary unit that divides them (`512Mi`), else in `B`.
    static func bytes(_ value: Double) -> String {
        for (suffix, factor) in [("Gi", 1_073_741_824.0), ("Mi", 1_048_576.0), ("Ki", 1024.0)] {
            let count = value / factor
            if count >= 1, count == count.rounded() { return number(count) + suffix }
        }
        return number(value) + "B"
    }

    static func isDNSLabel(_ text: String) -> Bool {
        guard (1...63).contains(text.count), let first = text.first, let last = text.last else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        return text.allSatisfy { allowed.contains($0) } && first != "-" && last != "-"
    }
}
