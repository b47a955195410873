import Autoscaler
import Foundation
import KubeClient
import MetricsClient
import Observability
import Synchronization
import Testing

@testable import HeadroomCLI

/// A review of restart safety, leader election, health probes and the redaction of
/// `/debug/decisions` against the production-operation promises in the README.
@Suite struct Review9HeadroomCLITests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    static func at(_ seconds: Double) -> Date { base.addingTimeInterval(seconds) }

    static func quietLogger() -> Logger { Logger(level: .error, sink: InMemoryLogSink()) }

    // MARK: - Saved state

    /// `ScalingHistory.unavailableCycles` counts cycles in a row without a valid scale signal;
    /// the fallback replica count applies after a configured number of them. The saved form
    /// promises that "a restarted or new leader decides as if it had run all along", so 5
    /// unavailable cycles saved must come back as 5, not as nil (which restarts the count and
    /// delays the fallback by that many cycles).
    @Test func roundTripKeepsUnavailableCycles() throws {
        var history = ScalingHistory(startedAt: Self.at(-600))
        history.unavailableCycles = 5
        let saved = SavedHistories(histories: ["Deployment shop/api": history], at: Self.at(0))

        let restored = try SavedHistories.decode(saved.encoded()).histories()

        #expect(restored["Deployment shop/api"]?.unavailableCycles == 5)
    }

    /// Identities are split into kind, namespace and name for the nested form. Odd ones (no
    /// slash, a slash in the name, spaces in the namespace, an empty kind, non-ASCII and quotes)
    /// must each come back under the same identity, with their own history, none merged.
    @Test func oddIdentitiesRoundTrip() throws {
        let identities = [
            "Deployment shop/api", "plain-name", "StatefulSet a b/c", "Deployment ns/a/b", " shop/api",
            "Deployment /api", "Deployment shop/", "Déploiement café/\"quoted\"", "Rollout shop/api",
        ]
        var histories: [String: ScalingHistory] = [:]
        for (index, identity) in identities.enumerated() {
            histories[identity] = ScalingHistory(
                startedAt: Self.at(-Double(index) - 100),
                recommendations: [.init(time: Self.at(-Double(index)), replicas: index + 1)]
            )
        }

        let restored = try SavedHistories.decode(SavedHistories(histories: histories, at: Self.at(0)).encoded())
            .histories()

        #expect(restored.keys.sorted() == identities.sorted())
        for (index, identity) in identities.enumerated() {
            #expect(restored[identity]?.recommendations.map(\.replicas) == [index + 1])
            #expect(restored[identity]?.startedAt == Self.at(-Double(index) - 100))
        }
    }

    /// A clock that jumped back makes history times later than the save time: negative ages.
    /// Restored times must never be earlier than the originals (an earlier time would let an
    /// entry leave a window too soon). Whole-second times come back exactly; 7.4 s in the
    /// future comes back at 8 s, the later whole second.
    @Test func futureTimesRestoreNoEarlier() throws {
        let history = ScalingHistory(
            startedAt: Self.at(12),
            recommendations: [.init(time: Self.at(3), replicas: 4), .init(time: Self.at(7.4), replicas: 2)],
            scaleEvents: [.init(time: Self.at(5), change: 2)],
            lastScaleTime: Self.at(5)
        )
        let saved = SavedHistories(histories: ["Deployment shop/api": history], at: Self.at(0))

        let restored = try #require(try SavedHistories.decode(saved.encoded()).histories()["Deployment shop/api"])

        #expect(restored.startedAt == Self.at(12))
        #expect(
            restored.recommendations == [.init(time: Self.at(3), replicas: 4), .init(time: Self.at(8), replicas: 2)]
        )
        #expect(restored.scaleEvents == [.init(time: Self.at(5), change: 2)])
        #expect(restored.lastScaleTime == Self.at(5))
    }

    /// 1,000 targets with the content a busy fleet has, which the existing size test leaves
    /// out. Each target has a last scale time and a last written count, as every scaled target
    /// does. Every tenth has two outside overrides by `argocd-application-controller` (the third
    /// would stop it), and every twentieth a stopped conflicting writer. Names are as long as
    /// real ones (`Deployment payments-prod-eu-west-1/checkout-api-worker-17`). The README
    /// promises at most 100 KiB for 1,000 targets in one object.
    @Test func realisticThousandTargetsFitInOneObject() throws {
        var histories: [String: ScalingHistory] = [:]
        for index in 0..<1000 {
            var replicas = 2 + index % 50
            var recommendations: [ScalingHistory.Recommendation] = []
            for step in 0..<20 {
                // A deterministic zig-zag of ±1 to ±3 around the start, as a noisy load gives.
                replicas = max(1, replicas + [1, -2, 3, -1, -3, 2][(index + step) % 6])
                recommendations.append(.init(time: Self.at(Double(step) * 15 - 285), replicas: replicas))
            }
            var writers = ScalingHistory.OutsideWriters(lastWritten: replicas)
            if index % 10 == 0 {
                writers.overrides = [
                    .init(time: Self.at(-420), manager: "argocd-application-controller"),
                    .init(time: Self.at(-120), manager: "argocd-application-controller"),
                ]
            }
            if index % 20 == 5 { writers.conflictingManager = "helm-controller" }
            let history = ScalingHistory(
                startedAt: Self.at(-86_400),
                recommendations: recommendations,
                scaleEvents: index % 5 == 0 ? [.init(time: Self.at(-10), change: 3)] : [],
                pendingRecoveryCycles: index % 3 == 0 ? ["latency-p99": 2] : [:],
                panic: index % 10 == 0 ? .init(since: Self.at(-100), lastTriggered: Self.at(-15)) : nil,
                lastScaleTime: Self.at(-Double(index % 600)),
                outsideWriters: writers
            )
            histories["Deployment payments-prod-eu-west-\(index % 3)/checkout-api-worker-\(index)"] = history
        }

        let saved = SavedHistories(histories: histories, at: Self.at(0))
        let bytes = saved.encoded().count
        let shards = SavedHistories.shards(histories, at: Self.at(0), maxBytes: HistoryStateStore.defaultMaxShardBytes)

        #expect(bytes <= 100 * 1024, "\(bytes) bytes for 1,000 targets")
        #expect(shards.count == 1)
    }

    /// Shards of at most 600 bytes over 40 targets in 40 different kinds and namespaces. The
    /// size estimate must cover a new kind and namespace key per target, so each shard fits its
    /// limit. Together the shards contain every target exactly once.
    @Test func shardsWithManyKindsStayUnderLimit() throws {
        var histories: [String: ScalingHistory] = [:]
        for index in 0..<40 {
            histories["Kind\(index) namespace-number-\(index)/n\(index)"] = ScalingHistory(
                startedAt: Self.at(-1000),
                recommendations: [.init(time: Self.at(-30), replicas: index + 1)]
            )
        }

        let shards = SavedHistories.shards(histories, at: Self.at(0), maxBytes: 600)
        let sizes = shards.map { $0.encoded().count }
        let identities = shards.flatMap { $0.targets.keys }

        #expect(sizes.allSatisfy { $0 <= 600 }, "\(sizes)")
        #expect(identities.sorted() == histories.keys.sorted())
    }

    /// A save over 2 or more shards, then a save of one small target. The first object then
    /// names 1 shard, so a load returns only the target of the latest save. The stale targets
    /// left in `-state-1` must not come back.
    @Test func shrinkingStateLoadsOnlyLatest() async throws {
        let store = InMemoryLeaseStore()
        let history = HistoryStateStore(
            namespace: "ns",
            electionLease: "headroom",
            store: store,
            logger: Self.quietLogger(),
            maxShardBytes: 400
        )
        var many: [String: ScalingHistory] = [:]
        for index in 0..<12 {
            many["Deployment shop/service-\(index)"] = ScalingHistory(
                startedAt: Self.at(-1000),
                recommendations: [.init(time: Self.at(-30), replicas: index + 1)]
            )
        }
        let one = ["Deployment shop/api": ScalingHistory(startedAt: Self.at(-50))]

        _ = await history.save(many, at: Self.at(0))
        let firstShards = store.stored("headroom-state")?.annotations?[HistoryStateStore.shardsAnnotation]
        _ = await history.save(one, at: Self.at(15))
        let loaded = await history.load()

        #expect(Int(firstShards ?? "0") ?? 0 >= 2)
        #expect(loaded?.keys.sorted() == ["Deployment shop/api"])
        #expect(loaded?["Deployment shop/api"]?.startedAt == Self.at(-50))
    }

    /// Corrupt JSON in the state annotation is unusable state: `load` returns nil, so the loop
    /// starts without history.
    @Test func corruptStateLoadsAsNothing() async {
        let store = InMemoryLeaseStore()
        store.put(
            Lease(
                name: "headroom-state",
                namespace: "ns",
                annotations: [HistoryStateStore.stateAnnotation: #"{"v":1,"t":1800000000,"h":{"Deployment":"#]
            )
        )
        let history = HistoryStateStore(
            namespace: "ns",
            electionLease: "headroom",
            store: store,
            logger: Self.quietLogger()
        )

        #expect(await history.load() == nil)
    }

    // MARK: - Takeover without usable state

    /// The README: "Without usable state (no state Lease, an unreadable or unknown version, or
    /// no `--leader-elect`), each target starts in a mode that allows scale-up and forbids
    /// scale-down for one scale-down stabilization window", and a new leader after a takeover
    /// loads the state before its first write.
    ///
    /// A standby decided for 300 s (7 pods, and a queue of 30 needs 3) without writing. Then the
    /// leader releases the Lease, the standby takes it, and the saved state is corrupt. The new
    /// leader has no usable state, so its first cycle at 315 s must keep 7 (scale-down waits
    /// until 615 s). The keeper restores nothing when the load fails, so the standby's own
    /// history (started at 0 s) lets it scale down to 3 at once.
    @Test func takeoverWithUnusableStateHoldsScaleDown() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(0))
        let logger = Self.quietLogger()
        store.put(Lease(name: "headroom", namespace: "ns", holderIdentity: "a_1", leaseDurationSeconds: 15))
        store.put(
            Lease(
                name: "headroom-state",
                namespace: "ns",
                annotations: [HistoryStateStore.stateAnnotation: "{not json"]
            )
        )
        let elector = LeaderElector(
            settings: LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: "b_2"),
            store: store,
            clock: clock,
            logger: logger
        )
        let history = HistoryStateStore(namespace: "ns", electionLease: "headroom", store: store, logger: logger)
        let keeper = LeaderStateKeeper(elector: elector, history: history, clock: clock, saveInterval: 15)
        let scaler = RestartSafetyTests.RecordingScaler(replicas: 7)
        let loop = RestartSafetyTests.loop(depth: 30, scaler: scaler, clock: clock, mayWrite: { keeper.beginCycle() })
        keeper.attach(loop)

        for cycle in 0...20 {
            clock.advance(to: Self.at(Double(cycle) * 15))
            _ = await loop.runCycle()
        }
        var released = try #require(store.stored())
        released.holderIdentity = ""
        store.put(released)
        let acquired = await elector.acquire()
        let loadStep = await keeper.step(loop: loop)
        clock.advance(to: Self.at(315))
        // The leader renews every retry period; one renew here keeps it within the renew deadline.
        let renewed = await elector.tryAcquireOrRenew()
        let outcome = await loop.runCycle().outcomes[RestartSafetyTests.identity]

        #expect(acquired)
        #expect(renewed)
        #expect(loadStep == .loaded(targets: 0))
        #expect(outcome == .unchanged(replicas: 7))
        #expect(scaler.writes.isEmpty)
    }

    /// The README: "With `--leader-elect` the overrides and the stop are part of the saved state,
    /// so a restart or a takeover keeps them". The old leader saved a `ConflictingWriter` stop
    /// for `shop/api` (argocd kept overriding it). The new leader's one read of the state Lease
    /// gets a 503, a transient failure and not unusable state. The state is still there, so the
    /// takeover must keep the stop. Its first cycle must hold 7 although a queue of 95 needs
    /// 10, and the state Lease must still name the conflicting manager after the new
    /// leader's save.
    @Test func transientLoadFailureKeepsSavedStop() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(0))
        let logger = Self.quietLogger()
        let identity = RestartSafetyTests.identity
        let stopped = ScalingHistory(
            startedAt: Self.at(-3600),
            outsideWriters: .init(conflictingManager: "argocd-application-controller")
        )
        let history = HistoryStateStore(namespace: "ns", electionLease: "headroom", store: store, logger: logger)
        await history.save([identity: stopped], at: Self.at(-5))
        store.put(Lease(name: "headroom", namespace: "ns", holderIdentity: "", leaseDurationSeconds: 1))
        let elector = LeaderElector(
            settings: LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: "b_2"),
            store: store,
            clock: clock,
            logger: logger
        )
        let keeper = LeaderStateKeeper(elector: elector, history: history, clock: clock, saveInterval: 15)
        let scaler = RestartSafetyTests.RecordingScaler(replicas: 7)
        let loop = RestartSafetyTests.loop(depth: 95, scaler: scaler, clock: clock, mayWrite: { keeper.beginCycle() })
        keeper.attach(loop)

        let acquired = await elector.acquire()
        store.failing = true
        _ = await keeper.step(loop: loop)
        store.failing = false
        clock.advance(to: Self.at(2))
        _ = await keeper.step(loop: loop)
        let outcome = await loop.runCycle().outcomes[identity]
        clock.advance(to: Self.at(4))
        _ = await elector.tryAcquireOrRenew()
        _ = await keeper.step(loop: loop)
        let reloaded = await HistoryStateStore(
            namespace: "ns",
            electionLease: "headroom",
            store: store,
            logger: logger
        ).load()

        #expect(acquired)
        #expect(outcome == .held(replicas: 7, reason: .conflictingWriter))
        #expect(scaler.writes.isEmpty)
        #expect(reloaded?[identity]?.outsideWriters.conflictingManager == "argocd-application-controller")
    }

    // MARK: - Leader election

    /// A foreign holder with `leaseDurationSeconds: 0` has expired the moment it is observed, as
    /// in client-go (`observedTime + 0` is not after now), so a candidate takes it at its first
    /// attempt: holder b_2, transitions 4 + 1, acquire time now.
    @Test func zeroDurationForeignHolderIsTaken() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(0))
        store.put(
            Lease(
                name: "headroom",
                namespace: "ns",
                holderIdentity: "a_1",
                leaseDurationSeconds: 0,
                acquireTime: Self.at(-100),
                renewTime: Self.at(3600),
                leaseTransitions: 4
            )
        )
        let elector = LeaderElector(
            settings: LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: "b_2"),
            store: store,
            clock: clock,
            logger: Self.quietLogger()
        )

        let taken = await elector.tryAcquireOrRenew()
        let lease = try #require(store.stored())

        #expect(taken)
        #expect(lease.holderIdentity == "b_2")
        #expect(lease.leaseTransitions == 5)
        #expect(lease.acquireTime == Self.at(0))
    }

    /// A 409 on the update (another candidate wrote first) is a lost race. The attempt returns
    /// false, the Lease keeps the other holder, and the candidate does not lead.
    @Test func conflictOnUpdateIsALostRace() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(0))
        store.put(Lease(name: "headroom", namespace: "ns", holderIdentity: "", leaseDurationSeconds: 1))
        let elector = LeaderElector(
            settings: LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: "b_2"),
            store: store,
            clock: clock,
            logger: Self.quietLogger()
        )
        store.beforeNextUpdate { store in
            var lease = store.stored()!
            lease.holderIdentity = "c_3"
            lease.leaseDurationSeconds = 15
            store.put(lease)
        }

        let taken = await elector.tryAcquireOrRenew()

        #expect(taken == false)
        #expect(elector.isLeader == false)
        #expect(store.stored()?.holderIdentity == "c_3")
    }

    /// A candidate that never led releases nothing on shutdown: client-go's release writes only
    /// when this instance is the holder, so the other holder's Lease is untouched.
    @Test func releaseWithoutLeadingWritesNothing() async {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(0))
        store.put(Lease(name: "headroom", namespace: "ns", holderIdentity: "a_1", leaseDurationSeconds: 15))
        let elector = LeaderElector(
            settings: LeaderElectionSettings(namespace: "ns", leaseName: "headroom", identity: "b_2"),
            store: store,
            clock: clock,
            logger: Self.quietLogger()
        )

        _ = await elector.tryAcquireOrRenew()
        let updatesBefore = store.updates
        let released = await elector.release()

        #expect(released == false)
        #expect(store.updates == updatesBefore)
        #expect(store.stored()?.holderIdentity == "a_1")
    }

    /// `headroom_leader` is documented as "1 while this instance is the leader election Lease
    /// holder and may write, else 0". After acquiring at 0 s, no renew succeeds, for example
    /// because the renew request hangs. At 11 s the last renew is older than the 10 s renew deadline, so
    /// `isLeader` is false and the loop writes nothing. The gauge must then read 0, or the
    /// metric shows a leader that does not write.
    @Test func leaderGaugeFollowsRenewDeadline() async {
        let store = InMemoryLeaseStore()
        let clock = ManualClock(now: Self.at(0))
        let (elector, registry, _) = LeaderElectorTests.candidate("a_1", store: store, clock: clock)

        let acquired = await elector.acquire()
        let gaugeWhileRenewed = LeaderElectorTests.leaderGauge(registry)
        clock.advance(to: Self.at(11))
        let leadingAfterDeadline = elector.isLeader
        let gaugeAfterDeadline = LeaderElectorTests.leaderGauge(registry)

        #expect(acquired)
        #expect(gaugeWhileRenewed == 1)
        #expect(leadingAfterDeadline == false)
        #expect(gaugeAfterDeadline == 0)
    }

    // MARK: - Health probes

    /// `/healthz` fails only when no cycle finished within 3 intervals: with a 15 s interval and
    /// the last cycle seen at 0 s, the probe at exactly 45 s is 200 and the one at 45.5 s is 503.
    @Test func livenessBoundaryIsThreeIntervals() {
        let now = Mutex(Self.at(0))
        let probes = HealthProbes(
            interval: 15,
            cyclesFinished: { 4 },
            lastDecision: { nil },
            targetCount: { 0 },
            now: { now.withLock { $0 } }
        )

        now.withLock { $0 = Self.at(45) }
        let atLimit = probes.liveness().status
        now.withLock { $0 = Self.at(45.5) }
        let after = probes.liveness().status

        #expect(atLimit == 200)
        #expect(after == 503)
    }

    /// `/readyz` means "policy loaded and API reachable" (the acceptance criteria). A target
    /// whose Deployment was deleted gets 404 Not Found, a response from a reachable API
    /// server. So after 3 cycles of 404 the single-target controller is still ready (200).
    /// A not-ready controller blocks node drains under a PodDisruptionBudget, so a deleted
    /// target must not make every replica not ready.
    @Test func readinessSurvivesDeletedTarget() async {
        let clock = ManualClock(now: Self.at(0))
        let metrics = LoopMetrics(registry: MetricsRegistry())
        let loop = ControlLoop(
            targets: [ScalerCluster.target("api", needsPods: false)],
            signals: RestartSafetyTests.FixedQueue(depth: 30),
            scaler: GoneWorkloadScaler(),
            events: DiscardingEventRecorder(),
            clock: clock,
            logger: Self.quietLogger(),
            metrics: metrics,
            configuration: ControlLoopConfiguration(interval: .seconds(15))
        )
        let probes = HealthProbes(metrics: metrics, interval: 15, now: { clock.now })

        for cycle in 0..<3 {
            clock.advance(to: Self.at(Double(cycle) * 15))
            _ = await loop.runCycle()
        }
        let answer = probes.readiness()

        #expect(answer.status == 200, "\(answer.body)")
    }

    /// A workload scaler whose every read gets 404 Not Found from a reachable API server.
    struct GoneWorkloadScaler: WorkloadScaler {
        static let target = KubeRequestTarget(
            verb: "get",
            group: "apps",
            resource: "deployments",
            subresource: "scale",
            namespace: "shop",
            name: "api"
        )

        func readWorkload(_ target: TargetPolicy) async throws -> WorkloadState {
            throw KubeError.notFound(target: Self.target, status: nil)
        }

        func writeReplicas(_ count: Int, to target: TargetPolicy, resourceVersion: String) async throws
            -> ScaleWriteResult
        {
            throw KubeError.notFound(target: Self.target, status: nil)
        }
    }

    // MARK: - Series and decisions of removed targets

    /// Builds a loop over `api` (signal `queue`) and `worker` (signal `failing`) on scripted Prometheus
    /// responses, with its query metrics in the same registry, after two cycles.
    static func observedLoop() async -> (ControlLoop, MetricsRegistry, ManualClock) {
        let clock = ManualClock(now: Self.at(0))
        let registry = MetricsRegistry()
        let prometheus = ScriptedPrometheus()
        prometheus.setQueue(50)
        let workloads = ScriptedWorkloads()
        workloads.seed(ObservedLoop.api, spec: 2)
        workloads.seed(ObservedLoop.worker, spec: 3)
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://127.0.0.1:1", http: prometheus))
        let loop = ControlLoop(
            targets: [ObservedLoop.api, ObservedLoop.worker],
            signals: PrometheusSignalSource(sampler: sampler, queryMetrics: QueryMetrics(registry: registry)),
            scaler: workloads,
            events: DiscardingEventRecorder(),
            clock: clock,
            logger: Self.quietLogger(),
            metrics: LoopMetrics(registry: registry),
            configuration: ControlLoopConfiguration(interval: .seconds(15))
        )
        for _ in 0..<2 {
            await loop.runCycle()
            clock.advance(by: .seconds(15))
        }
        return (loop, registry, clock)
    }

    /// The metrics promise bounded cardinality and no series for removed targets. After a reload
    /// that drops `worker` and with it the only signal named `failing`, the next scrape has no
    /// series naming `worker` and none with `signal="failing"`. A signal no target uses any more
    /// must not keep a query latency and error series for the rest of the process's life.
    @Test func reloadRemovesDroppedSignalSeries() async {
        let (loop, registry, _) = await Self.observedLoop()
        let before = registry.render()

        loop.replacePolicy(targets: [ObservedLoop.api], databases: [])
        await loop.runCycle()
        let lines = registry.render().split(separator: "\n").filter { !$0.hasPrefix("#") }

        #expect(before.contains(#"signal="failing""#))
        #expect(!lines.contains { $0.contains(#"name="worker""#) })
        #expect(lines.filter { $0.contains(#"signal="failing""#) }.count == 0)
    }

    /// `/debug/decisions` returns the last decisions "per target". After a reload that removes
    /// `worker`, the document must no longer list it. Otherwise every target ever removed stays
    /// in it (20 decisions each) until the process restarts.
    @Test func reloadDropsRemovedTargetDecisions() async {
        let (loop, _, _) = await Self.observedLoop()
        let before = Set(loop.recentDecisions().keys)

        loop.replacePolicy(targets: [ObservedLoop.api], databases: [])
        await loop.runCycle()
        let after = Set(loop.recentDecisions().keys)

        #expect(before == [ObservedLoop.api.identity, ObservedLoop.worker.identity])
        #expect(after == [ObservedLoop.api.identity])
    }

    // MARK: - Hot reload

    /// An editor that writes in place leaves the policy file briefly empty, then writes the same
    /// content back. The empty file is rejected, and the last good policy keeps running. The
    /// content that returns is byte for byte the policy in force, so there is nothing new to
    /// apply: the outcome is `unchanged` and nothing reaches the loop. Handing it over again is
    /// not harmless, because every reload lifts each target's `ConflictingWriter` stop and
    /// clears its override count.
    @Test func sameContentAfterRejectIsNotReapplied() async throws {
        let mount = try ConfigMapMount(policy: PolicyWatcherTests.policy())
        defer { mount.remove() }
        let harness = try WatcherHarness(mount: mount)

        try mount.swap(to: "")
        let emptied = await harness.watcher.check()
        try mount.swap(to: PolicyWatcherTests.policy())
        let restored = await harness.watcher.check()

        if case .rejected = emptied {
        } else {
            Issue.record("the empty file: expected a rejection, got \(emptied)")
        }
        #expect(restored == .unchanged)
        #expect(harness.applied.all.count == 0)
    }

    // MARK: - Secrets in Events and logs

    /// Keeps every Event the loop records.
    final class KeptEvents: EventRecorder {
        private let events = Mutex<[TargetEvent]>([])
        var messages: [String] { events.withLock { $0.map(\.message) } }

        func record(_ event: TargetEvent) async {
            events.withLock { $0.append(event) }
        }
    }

    /// The `worker` signal's query fails with a transport error that names a URL with a
    /// password (`s3cret-pass`) and an `Authorization` header value (`tok-123456`), the case
    /// `DecisionsDocument` redacts for `/debug/decisions`. The same detail must not reach a
    /// Kubernetes Event, readable by anyone allowed to list Events in the namespace. Nor may it
    /// reach a log line at info level or above, because a secret is never logged.
    @Test func signalFailureKeepsSecretsOutOfEventsAndLogs() async {
        let clock = ManualClock(now: Self.at(0))
        let sink = InMemoryLogSink()
        let events = KeptEvents()
        let workloads = ScriptedWorkloads()
        workloads.seed(ObservedLoop.worker, spec: 3)
        let sampler = SignalSampler(client: PrometheusClient(baseURL: "http://127.0.0.1:1", http: ScriptedPrometheus()))
        let loop = ControlLoop(
            targets: [ObservedLoop.worker],
            signals: PrometheusSignalSource(sampler: sampler),
            scaler: workloads,
            events: events,
            clock: clock,
            logger: Logger(level: .info, sink: sink),
            metrics: LoopMetrics(registry: MetricsRegistry()),
            configuration: ControlLoopConfiguration(interval: .seconds(15))
        )

        await loop.runCycle()
        let logText = sink.records.map { "\($0.message) \($0.metadata)" }

        #expect(!events.messages.isEmpty)
        for secret in ["s3cret-pass", "tok-123456"] {
            #expect(!events.messages.contains { $0.contains(secret) }, "Event leaks \(secret)")
            #expect(!logText.contains { $0.contains(secret) }, "log leaks \(secret)")
        }
    }

    // MARK: - Redaction of /debug/decisions

    /// Each text carries the secret `s3cr3tvalue` in a form the README lists as redacted (a URL's
    /// password, an `Authorization` value, a `token=` or `password=` pair) or that an error
    /// message quotes from a response body. The redacted text must not contain the secret.
    @Test(arguments: [
        "Get https://admin:s3cr3tvalue@prometheus.internal:9090/api/v1/query: refused",
        "Authorization: Bearer s3cr3tvalue",
        "Authorization: Token s3cr3tvalue",
        "Authorization: ApiKey s3cr3tvalue",
        "request failed: password=\"s3cr3tvalue\"",
        "request failed: token='s3cr3tvalue'",
        #"body: {"access_token":"s3cr3tvalue","expires_in":3600}"#,
        "query https://prom/api/v1/query?query=up&access_token=s3cr3tvalue failed",
        "Get https://s3cr3tvalue@github.com/org/repo: 401",
    ])
    func redactionRemovesSecret(text: String) {
        let redacted = DecisionsDocument.redact(text)

        #expect(!redacted.contains("s3cr3tvalue"), "\(redacted)")
    }
}
