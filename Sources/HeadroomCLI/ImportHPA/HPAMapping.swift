import Autoscaler
import YAML

/// The mapping of one HPA object to one policy target, with the fields that do not map.
struct HPAMapping {
    /// `namespace/name` of the HPA, for the unmapped list.
    let hpa: String
    var reader: HPAReader
    private(set) var unmapped: [UnmappedHPAField] = []

    init(hpa: String, reader: HPAReader) {
        self.hpa = hpa
        self.reader = reader
    }

    /// The HPA controller's target when an HPA lists no metric: 80 % CPU utilization.
    static let defaultCPUUtilizationPercent = 80

    /// Returns the target, or `nil` when a problem was recorded or the HPA cannot be mapped at
    /// all (then `unmapped` gives the reason).
    mutating func target(_ object: YAMLNode, namespace: String, isV1: Bool) -> YAMLNode? {
        guard let specNode = object["spec"] else {
            reader.report(object, "spec", "missing; an HPA needs spec.scaleTargetRef and spec.maxReplicas")
            return nil
        }
        guard let spec = reader.mapping(specNode, "spec") else { return nil }
        let reference = scaleTargetReference(spec)
        let minReplicas = reader.int(spec["minReplicas"], "spec.minReplicas") ?? 1
        let maxReplicas = reader.int(spec["maxReplicas"], "spec.maxReplicas")
        if spec["maxReplicas"] == nil {
            reader.report(spec, "spec.maxReplicas", "missing; set the most replicas the HPA may scale to")
        }
        guard reader.problems.isEmpty, let reference, let maxReplicas else { return nil }

        guard let kind = WorkloadKind(rawValue: reference.kind) else {
            note(
                "spec.scaleTargetRef.kind",
                "Headroom scales Deployments and StatefulSets, not a \(reference.kind), so this HPA is left out"
            )
            return nil
        }
        if let apiVersion = reference.apiVersion, apiVersion != "apps/v1" {
            note(
                "spec.scaleTargetRef.apiVersion",
                "\"\(apiVersion)\" is read as apps/v1, where Headroom finds a \(kind.rawValue)"
            )
        }

        var signals: [YAMLNode]
        var behavior: YAMLNode?
        if isV1 {
            signals = v1Signals(spec, kind: kind)
            noteV1Annotations(object)
        } else {
            signals = v2Signals(spec, kind: kind)
            behavior = self.behavior(spec["behavior"])
        }
        guard reader.problems.isEmpty else { return nil }
        guard !signals.isEmpty else {
            note(
                "spec.metrics",
                "no metric maps to a PromQL signal, so this HPA is left out; write its target by hand with a "
                    + "signal on the Prometheus series behind its metrics"
            )
            return nil
        }
        signals = Self.uniquelyNamed(signals)

        var entries: [(String, YAMLNode)] = [
            ("kind", .string(kind.rawValue)),
            ("namespace", .string(namespace)),
            ("name", .string(reference.name)),
            ("minReplicas", .int(minReplicas)),
            ("maxReplicas", .int(maxReplicas)),
            ("mode", .string(TargetMode.observe.rawValue)),
            ("signals", .list(signals)),
        ]
        if let behavior { entries.append(("behavior", behavior)) }
        return .map(entries)
    }

    mutating func note(_ field: String, _ reason: String) {
        unmapped.append(UnmappedHPAField(hpa: hpa, field: field, reason: reason))
    }

    private struct ScaleTargetReference {
        let kind: String
        let name: String
        let apiVersion: String?
    }

    private mutating func scaleTargetReference(_ spec: YAMLNode) -> ScaleTargetReference? {
        guard let node = spec["scaleTargetRef"] else {
            reader.report(
                spec,
                "spec.scaleTargetRef",
                "missing; set it to the workload the HPA scales, such as {apiVersion: apps/v1, kind: Deployment, "
                    + "name: api}"
            )
            return nil
        }
        guard let reference = reader.mapping(node, "spec.scaleTargetRef") else { return nil }
        let kind = reader.string(reference["kind"], "spec.scaleTargetRef.kind")
        let name = reader.string(reference["name"], "spec.scaleTargetRef.name")
        let apiVersion = reader.string(reference["apiVersion"], "spec.scaleTargetRef.apiVersion")
        if reference["kind"] == nil {
            reader.report(reference, "spec.scaleTargetRef.kind", "missing; set Deployment or StatefulSet")
        }
        if reference["name"] == nil {
            reader.report(reference, "spec.scaleTargetRef.name", "missing; set the name of the workload the HPA scales")
        }
        guard let kind, let name else { return nil }
        return ScaleTargetReference(kind: kind, name: name, apiVersion: apiVersion)
    }

    /// Returns the list of signals with a numeric suffix on every repeated name.
    private static func uniquelyNamed(_ signals: [YAMLNode]) -> [YAMLNode] {
        var seen: [String: Int] = [:]
        return signals.map { signal in
            guard let pairs = signal.pairs, let name = signal["name"]?.scalar?.value else { return signal }
            let count = (seen[name] ?? 0) + 1
            seen[name] = count
            guard count > 1 else { return signal }
            let renamed = pairs.map { pair in
                pair.key.scalar?.value == "name" ? YAMLPair(key: pair.key, value: .string("\(name)-\(count)")) : pair
            }
            return .mapping(renamed, mark: signal.mark)
        }
    }
}
