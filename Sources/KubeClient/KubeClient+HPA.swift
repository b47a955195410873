import Foundation

/// A HorizontalPodAutoscaler and the workload it scales.
public struct HorizontalPodAutoscalerReference: Sendable, Equatable {
    public var name: String
    /// `spec.scaleTargetRef.kind`, such as `Deployment`.
    public var targetKind: String
    /// `spec.scaleTargetRef.name`.
    public var targetName: String
    /// KEDA's ScaledObjects create HPAs named `keda-hpa-<name>` and label them; kept to name
    /// the owner in messages.
    public var createdByKEDA: Bool
}

struct HPAListWire: Decodable {
    struct Item: Decodable {
        struct Metadata: Decodable {
            var name: String?
            var labels: [String: String]?
        }
        struct Spec: Decodable {
            struct Reference: Decodable {
                var kind: String?
                var name: String?
            }
            var scaleTargetRef: Reference?
        }
        var metadata: Metadata?
        var spec: Spec?
    }
    var items: [Item]?
}

extension KubeClient {
    /// Lists the HorizontalPodAutoscalers (`autoscaling/v2`) in `namespace`.
    public func horizontalPodAutoscalers(namespace: String) async throws(KubeError)
        -> [HorizontalPodAutoscalerReference]
    {
        let target = KubeRequestTarget(
            verb: "list",
            group: "autoscaling",
            resource: "horizontalpodautoscalers",
            namespace: namespace
        )
        let data = try await perform(
            Call(
                method: .get,
                path: "/apis/autoscaling/v2/namespaces/\(Self.segment(namespace))/horizontalpodautoscalers",
                target: target,
                priority: .normal
            )
        )
        return (try decode(HPAListWire.self, data, target: target).items ?? []).map { item in
            HorizontalPodAutoscalerReference(
                name: item.metadata?.name ?? "",
                targetKind: item.spec?.scaleTargetRef?.kind ?? "",
                targetName: item.spec?.scaleTargetRef?.name ?? "",
                createdByKEDA: item.metadata?.labels?["app.kubernetes.io/managed-by"] == "keda-operator"
            )
        }
    }
}
