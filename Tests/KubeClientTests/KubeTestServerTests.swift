import Foundation
import HTTPTransport
import KubeTestServer
import Testing

@testable import KubeClient

@Suite(.serialized) struct KubeTestServerTests {
    static let api = ScaleTarget(kind: .deployment, namespace: "shop", name: "api")
    static let scalePath = "/apis/apps/v1/namespaces/shop/deployments/api/scale"

    @Test func getAndPatchScale() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let client = try cluster.client()

        let before = try await client.scale(of: Self.api)
        let after = try await client.patchScale(of: Self.api, replicas: 5, resourceVersion: before.resourceVersion)
        let status = try await client.workloadStatus(of: Self.api)

        #expect(before.specReplicas == 3)
        #expect(before.statusReplicas == 3)
        #expect(before.selector == "app=api")
        #expect(after.specReplicas == 5)
        #expect(Int(after.resourceVersion) ?? 0 > Int(before.resourceVersion) ?? 0)
        #expect(status.specReplicas == 5)
        #expect(status.readyReplicas == 5)
        #expect(status.isObserved)
        let manager = status.managedFields.first { $0.manager == "headroom" }
        #expect(manager?.subresource == "scale")
        #expect(manager?.ownsReplicas == true)
        let patch = try #require(cluster.audit(path: Self.scalePath).last)
        #expect(patch.method == "PATCH")
        #expect(patch.query == "fieldManager=headroom")
    }

    @Test func scaleToZeroReadsBackAsZero() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 2)
        let client = try cluster.client()

        let before = try await client.scale(of: Self.api)
        _ = try await client.patchScale(of: Self.api, replicas: 0, resourceVersion: before.resourceVersion)
        let raw = try await cluster.apiRequest(.get, Self.scalePath)
        let after = try await client.scale(of: Self.api)

        let json = try JSONSerialization.jsonObject(with: raw.body) as? [String: Any]
        #expect((json?["spec"] as? [String: Any])?["replicas"] == nil)
        #expect(after.specReplicas == 0)
    }

    @Test func staleWriteConflictsAndRereadShowsWriter() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let client = try cluster.client()

        let read = try await client.scale(of: Self.api)
        let other = try await cluster.apiRequest(
            .patch,
            Self.scalePath,
            body: #"{"spec":{"replicas":7}}"#,
            userAgent: "kubectl/v1.32.4 (linux/amd64)"
        )
        #expect(other.status == 200)

        await #expect {
            try await client.patchScale(of: Self.api, replicas: 5, resourceVersion: read.resourceVersion)
        } throws: { error in
            guard case KubeError.conflict(_, let status) = error else { return false }
            return status?.reason == "Conflict" && status?.code == 409
        }
        let reread = try await client.workloadStatus(of: Self.api)
        #expect(reread.specReplicas == 7)
        let writer = reread.managedFields.first { $0.manager == "kubectl" }
        #expect(writer?.subresource == "scale")
        #expect(writer?.ownsReplicas == true)
        #expect(!reread.managedFields.contains { $0.manager == "headroom" })
    }

    @Test func heldWriteLetsAnotherWriterIn() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let client = try cluster.client()
        let rule = #"{"method":"PATCH","path":"\#(Self.scalePath)","count":1,"action":{"hold":{"name":"write"}}}"#
        #expect(try await cluster.adminRequest(.post, "/faults", body: rule).status == 201)

        let read = try await client.scale(of: Self.api)
        let write = Task {
            try await client.patchScale(of: Self.api, replicas: 5, resourceVersion: read.resourceVersion)
        }
        let isHeld = await eventually {
            let response = try? await cluster.adminRequest(.get, "/holds/write")
            return response.map { String(decoding: $0.body, as: UTF8.self).contains(#""state":"holding""#) } ?? false
        }
        #expect(isHeld)
        let other = try await cluster.apiRequest(.patch, Self.scalePath, body: #"{"spec":{"replicas":9}}"#)
        #expect(other.status == 200)
        #expect(try await cluster.adminRequest(.post, "/holds/write/release").status == 200)

        await #expect {
            try await write.value
        } throws: { error in
            guard case KubeError.conflict = error else { return false }
            return true
        }
        #expect(try cluster.stored(.deployments, "api")[path: ["spec", "replicas"]] == 9)
    }

    @Test func rotatedTokenAcceptedAfter401() async throws {
        let cluster = try TestCluster.start(tokens: ["old-token": "headroom"])
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let tokenFile = try cluster.directory.write("token", "old-token\n")
        let client = try cluster.client(credentials: BearerTokenFile(path: tokenFile))

        let read = try await client.scale(of: Self.api)
        cluster.server.access.revokeToken("old-token")
        cluster.server.access.addToken("new-token", identity: "headroom")
        try cluster.directory.write("token", "new-token\n")
        let written = try await client.patchScale(of: Self.api, replicas: 5, resourceVersion: read.resourceVersion)

        #expect(written.specReplicas == 5)
        let patches = cluster.audit(path: Self.scalePath).filter { $0.method == "PATCH" }
        #expect(patches.map(\.status) == [401, 200])
        #expect(patches.map(\.identity) == [nil, "headroom"])
    }

    @Test func changedTokenFileUsedWithout401() async throws {
        let cluster = try TestCluster.start(tokens: ["old-token": "headroom-old", "new-token": "headroom-new"])
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let tokenFile = try cluster.directory.write("token", "old-token\n")
        let client = try cluster.client(credentials: RotatingTokenFile(path: tokenFile))

        let read = try await client.scale(of: Self.api)
        try cluster.directory.write("token", "new-token\n")
        _ = try await client.patchScale(of: Self.api, replicas: 5, resourceVersion: read.resourceVersion)

        let entries = cluster.audit(path: Self.scalePath)
        #expect(entries.map(\.method) == ["GET", "PATCH"])
        #expect(entries.map(\.status) == [200, 200])
        #expect(entries.map(\.identity) == ["headroom-old", "headroom-new"])
    }

    @Test func forbiddenNamesMissingPermission() async throws {
        let cluster = try TestCluster.start(tokens: ["sa-token": "system:serviceaccount:shop:headroom"])
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        cluster.server.access.setRules(
            [RBACRule(apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"])],
            for: "system:serviceaccount:shop:headroom"
        )
        let client = try cluster.client(credentials: StaticBearerToken("sa-token"))

        let status = try await client.workloadStatus(of: Self.api)
        await #expect {
            try await client.patchScale(of: Self.api, replicas: 5, resourceVersion: status.resourceVersion)
        } throws: { error in
            guard case KubeError.forbidden = error else { return false }
            let text = "\(error)"
            return text.hasPrefix("RBAC denies \"patch\" on \"deployments/scale\" in namespace \"shop\"")
                && text.contains("cannot patch resource \"deployments/scale\" in API group \"apps\"")
        }
        #expect(try cluster.stored(.deployments, "api")[path: ["spec", "replicas"]] == 3)
    }

    @Test func retryAfterWaitsOnTheWire() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let client = try cluster.client()
        let read = try await client.scale(of: Self.api)
        cluster.server.faults.add(
            FaultRule(
                method: "PATCH",
                path: Self.scalePath,
                count: 1,
                action: .fail(status: 429, reason: "TooManyRequests", retryAfterSeconds: 2)
            )
        )

        let written = try await client.patchScale(of: Self.api, replicas: 4, resourceVersion: read.resourceVersion)

        #expect(written.specReplicas == 4)
        let entries = cluster.audit(path: Self.scalePath).filter { $0.method == "PATCH" }
        #expect(entries.map(\.status) == [429, 200])
        let waited = try #require(entries.last).time.timeIntervalSince(try #require(entries.first).time)
        #expect(waited >= 2.0)
        #expect(waited < 10.0)
    }

    @Test func eventsVisibleThroughBothAPIs() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let client = try cluster.client()
        let now = Date(timeIntervalSince1970: 1_796_378_742)
        let event = KubeEvent(
            regarding: ObjectReference(Self.api),
            reason: "SuccessfulRescale",
            message: "New size: 5; reason: queue depth",
            reportingInstance: "headroom-0"
        )

        let created = try await client.createEvent(event, now: now)
        let patched = try await client.patchEventCount(created, count: 2, now: now.addingTimeInterval(60))

        #expect(created.name == "api." + String(UInt64(1_796_378_742) * 1_000_000_000, radix: 16))
        #expect(created.count == 1)
        #expect(patched.count == 2)
        let modern = try await cluster.apiRequest(.get, "/apis/events.k8s.io/v1/namespaces/shop/events/\(created.name)")
        let json = try #require(try JSONSerialization.jsonObject(with: modern.body) as? [String: Any])
        #expect(json["apiVersion"] as? String == "events.k8s.io/v1")
        #expect(json["note"] as? String == "New size: 5; reason: queue depth")
        #expect(json["reason"] as? String == "SuccessfulRescale")
        #expect(json["reportingController"] as? String == "headroom")
        #expect(json["deprecatedCount"] as? Int == 2)
        #expect(json["deprecatedLastTimestamp"] as? String == "2026-12-04T10:06:42Z")
        #expect((json["regarding"] as? [String: Any])?["name"] as? String == "api")
    }

    @Test func leaseLifecycle() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let client = try cluster.client()
        let acquired = Date(timeIntervalSince1970: 1_796_378_742.123456)
        let lease = Lease(
            name: "headroom",
            namespace: "shop",
            holderIdentity: "pod-a",
            leaseDurationSeconds: 15,
            acquireTime: acquired,
            renewTime: acquired,
            leaseTransitions: 0
        )

        #expect(try await client.lease(namespace: "shop", name: "headroom") == nil)
        let created = try await client.createLease(lease)
        await #expect {
            try await client.createLease(lease)
        } throws: { error in
            guard case KubeError.alreadyExists = error else { return false }
            return true
        }
        var renewed = created
        renewed.renewTime = acquired.addingTimeInterval(2)
        let updated = try await client.updateLease(renewed)
        await #expect {
            try await client.updateLease(created)
        } throws: { error in
            guard case KubeError.conflict = error else { return false }
            return true
        }
        let read = try #require(try await client.lease(namespace: "shop", name: "headroom"))

        let stored = try cluster.server.store.get(
            try #require(ResourceType.find(groupVersion: "coordination.k8s.io/v1", name: "leases")),
            namespace: "shop",
            name: "headroom"
        )
        #expect(stored[path: ["spec", "acquireTime"]] == "2026-12-04T10:05:42.123456Z")
        #expect(stored[path: ["spec", "renewTime"]] == "2026-12-04T10:05:44.123456Z")
        #expect(read.resourceVersion == updated.resourceVersion)
        #expect(read.holderIdentity == "pod-a")
        #expect(read.renewTime.map(KubeTime.formatMicro) == "2026-12-04T10:05:44.123456Z")
    }

    @Test func podsBySelector() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        for (name, app, ready, deleting) in [
            ("api-1", "api", true, false), ("api-2", "api", false, false), ("api-3", "api", true, true),
            ("web-1", "web", true, false),
        ] {
            var pod: JSONValue = [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": [
                    "name": .string(name), "namespace": "shop", "labels": ["app": .string(app)],
                    "ownerReferences": [["kind": "ReplicaSet", "name": "api-7d", "uid": "rs-1", "controller": true]],
                ],
                "status": [
                    "phase": "Running", "startTime": "2026-12-04T10:00:00Z",
                    "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]],
                ],
            ]
            if deleting { pod[path: ["metadata", "deletionTimestamp"]] = "2026-12-04T10:10:00Z" }
            try cluster.server.store.seed(pod)
        }
        let client = try cluster.client()

        let pods = try await client.pods(namespace: "shop", labelSelector: "app=api")

        #expect(pods.map(\.name) == ["api-1", "api-2", "api-3"])
        #expect(pods.map(\.isReady) == [true, false, true])
        #expect(pods.map(\.isTerminating) == [false, false, true])
        #expect(pods.allSatisfy { $0.owners.first?.name == "api-7d" })
    }

    @Test func mirroredStatusFollowsAfterDelay() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        cluster.server.store.setReplicaMirroring(enabled: true, delay: .milliseconds(300))
        let client = try cluster.client()

        let read = try await client.scale(of: Self.api)
        let written = try await client.patchScale(of: Self.api, replicas: 6, resourceVersion: read.resourceVersion)
        let right = try await client.workloadStatus(of: Self.api)
        let mirrored = await eventually {
            (try? await client.workloadStatus(of: Self.api).readyReplicas) == 6
        }
        let later = try await client.workloadStatus(of: Self.api)

        #expect(written.specReplicas == 6)
        #expect(right.readyReplicas == 3)
        #expect(mirrored)
        #expect(later.replicas == 6)
        #expect(later.resourceVersion != written.resourceVersion)
    }

    @Test func injectedLatencyDelaysRequest() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        try cluster.seedDeployment("api", replicas: 3)
        let client = try cluster.client()
        cluster.server.faults.add(
            FaultRule(method: "GET", path: "/apis/apps/v1/*", count: 1, action: .delay(milliseconds: 400))
        )

        let start = ContinuousClock.now
        _ = try await client.scale(of: Self.api)
        let delayed = ContinuousClock.now - start
        let secondStart = ContinuousClock.now
        _ = try await client.scale(of: Self.api)
        let undelayed = ContinuousClock.now - secondStart

        #expect(delayed >= .milliseconds(400))
        #expect(undelayed < .milliseconds(400))
    }
}
