import Autoscaler
import YAML

/// Writes the imported targets as a ScalingPolicy, after a comment block that explains how to use
/// it and lists every HPA field that did not map.
enum ImportedPolicyWriter {
    static func render(targets: [YAMLNode], unmapped: [UnmappedHPAField], source: String) -> String {
        var lines = [
            "# ScalingPolicy imported by `headroom import-hpa` from \(source).",
            "# Every target runs in observe mode: Headroom computes, logs and exports its decisions beside",
            "# the HPA but writes nothing. Compare them with the HPA's, then set `mode: scale` and delete",
            "# the HPA, because Headroom does not write to a target that an HPA scales.",
            "# CPU and memory signals read cAdvisor (container_*) and kube-state-metrics (kube_pod_*) series.",
        ]
        if unmapped.isEmpty {
            lines.append("# Every field of the HPAs was mapped.")
        } else {
            lines.append("#")
            lines.append("# Not mapped (\(unmapped.count)):")
            lines += unmapped.map { "# - \($0)" }
        }
        let document = YAMLNode.map([
            ("apiVersion", .string(PolicyLoader.apiVersion)),
            ("kind", .string(PolicyLoader.kind)),
            ("targets", .list(targets)),
        ])
        return lines.joined(separator: "\n") + "\n" + YAMLEmitter.render(document)
    }
}
