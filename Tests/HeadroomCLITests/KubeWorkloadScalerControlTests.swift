import Autoscaler
import Foundation
import KubeClient
import KubeTestServer
import Testing

@testable import HeadroomCLI

/// What a read brings for the operator controls: annotations, the field manager of
/// spec.replicas, and an HPA that already scales the workload.
@Suite(.serialized) struct KubeWorkloadScalerControlTests {
    func seed(_ cluster: ScalerCluster, annotations: JSONValue = [:]) throws {
        try cluster.server.store.seed([
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": [
                "name": "api", "namespace": "shop", "uid": "deploy-1", "annotations": annotations,
                "managedFields": [
                    [
                        "manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-12-04T10:00:00Z",
                        "fieldsType": "FieldsV1", "fieldsV1": ["f:spec": ["f:replicas": [:]]],
                    ],
                    [
                        "manager": "argocd-controller", "operation": "Apply", "time": "2026-12-04T11:00:00Z",
                        "fieldsType": "FieldsV1", "fieldsV1": ["f:spec": ["f:replicas": [:]]],
                    ],
                    [
                        "manager": "kube-controller-manager", "operation": "Update", "subresource": "status",
                        "time": "2026-12-04T12:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": ["f:status": [:]],
                    ],
                ],
            ],
            "spec": ["replicas": 5, "selector": ["matchLabels": ["app": "api"]]],
            "status": ["replicas": 5, "readyReplicas": 5, "observedGeneration": 1],
        ])
    }

    /// The newest entry that owns spec.replicas names the manager (argocd-controller at 11:00,
    /// not the status writer at 12:00); annotations come through as they are.
    @Test func readCarriesAnnotationsAndReplicasManager() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        try seed(cluster, annotations: [TargetAnnotations.paused: "true"])
        let state = try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: false))
        #expect(state.annotations == [TargetAnnotations.paused: "true"])
        #expect(state.replicasManager == "argocd-controller")
        #expect(state.horizontalPodAutoscaler == nil)
    }

    /// An HPA whose scaleTargetRef names the Deployment is found; one made by KEDA is named so.
    @Test func readFindsTheHPAThatScalesTheWorkload() async throws {
        let cluster = try ScalerCluster.start()
        defer { cluster.stop() }
        try seed(cluster)
        try cluster.server.store.seed([
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": ["name": "other", "namespace": "shop"],
            "spec": [
                "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"], "maxReplicas": 3,
            ],
        ])
        try cluster.server.store.seed([
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": [
                "name": "keda-hpa-api", "namespace": "shop",
                "labels": ["app.kubernetes.io/managed-by": "keda-operator"],
            ],
            "spec": [
                "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "api"], "maxReplicas": 3,
            ],
        ])
        let state = try await cluster.scaler.readWorkload(ScalerCluster.target("api", needsPods: false))
        #expect(state.horizontalPodAutoscaler == "keda-hpa-api (created by KEDA)")
    }
}
