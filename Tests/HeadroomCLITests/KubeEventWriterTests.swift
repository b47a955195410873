import Autoscaler
import Foundation
import KubeClient
import Testing

@testable import HeadroomCLI

/// The object each Event is recorded on: its target's workload, or for an Event about the whole
/// policy (the freeze) the `--policy-configmap` ConfigMap when one is named.
@Suite struct KubeEventWriterTests {
    static let target = TargetPolicy(namespace: "shop", name: "api", maxReplicas: 10, signals: [])

    static func uids() -> WorkloadUIDs {
        let uids = WorkloadUIDs()
        uids.set("uid-api-1", for: target.identity)
        return uids
    }

    /// A policy Event with `--policy-configmap ops/headroom-policy` goes to that ConfigMap
    /// (core `v1`, no uid, since the loop never reads the ConfigMap).
    @Test func policyEventGoesToConfigMap() {
        let event = TargetEvent(target: Self.target, reason: .heldByOperator, message: "frozen", isAboutPolicy: true)

        let regarding = KubeEventWriter.regarding(
            event,
            policyConfigMap: RunOptions.ObjectName(namespace: "ops", name: "headroom-policy"),
            uids: Self.uids()
        )

        #expect(
            regarding == ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "headroom-policy", namespace: "ops")
        )
    }

    /// Without `--policy-configmap` the policy Event goes to the target it names, the policy's
    /// first target: Deployment `shop/api` with the uid from its last read.
    @Test func policyEventWithoutConfigMapGoesToTarget() {
        let event = TargetEvent(target: Self.target, reason: .heldByOperator, message: "frozen", isAboutPolicy: true)

        let regarding = KubeEventWriter.regarding(event, policyConfigMap: nil, uids: Self.uids())

        #expect(regarding.kind == "Deployment")
        #expect(regarding.namespace == "shop")
        #expect(regarding.name == "api")
        #expect(regarding.uid == "uid-api-1")
    }

    /// A target's own Event (a pause) stays on its Deployment even when a ConfigMap is named.
    @Test func targetEventIgnoresConfigMap() {
        let event = TargetEvent(target: Self.target, reason: .heldByOperator, message: "paused")

        let regarding = KubeEventWriter.regarding(
            event,
            policyConfigMap: RunOptions.ObjectName(namespace: "ops", name: "headroom-policy"),
            uids: Self.uids()
        )

        #expect(regarding.kind == "Deployment")
        #expect(regarding.name == "api")
    }
}
