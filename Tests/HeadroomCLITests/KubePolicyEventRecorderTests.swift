import Autoscaler
import KubeClient
import Testing

@testable import HeadroomCLI

/// Tests of the objects a `PolicyReloadFailed` Event is recorded on.
struct KubePolicyEventRecorderTests {
    static let targets = [
        TargetPolicy(kind: .deployment, namespace: "cms", name: "api", maxReplicas: 10, signals: []),
        TargetPolicy(kind: .statefulSet, namespace: "jobs", name: "worker", maxReplicas: 10, signals: []),
    ]

    @Test func configMapTakesTheEvent() {
        let references = KubePolicyEventRecorder.references(
            configMap: RunOptions.ObjectName(namespace: "headroom", name: "headroom-policy"),
            runningTargets: Self.targets,
            uids: WorkloadUIDs()
        )
        #expect(
            references == [
                ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "headroom-policy", namespace: "headroom")
            ]
        )
    }

    @Test func eachTargetTakesItWithoutConfigMap() {
        let uids = WorkloadUIDs()
        uids.set("uid-api", for: "Deployment cms/api")
        let references = KubePolicyEventRecorder.references(configMap: nil, runningTargets: Self.targets, uids: uids)
        #expect(
            references == [
                ObjectReference(
                    apiVersion: "apps/v1",
                    kind: "Deployment",
                    name: "api",
                    namespace: "cms",
                    uid: "uid-api"
                ),
                ObjectReference(apiVersion: "apps/v1", kind: "StatefulSet", name: "worker", namespace: "jobs"),
            ]
        )
    }
}
