import Autoscaler
import Foundation
import MetricsClient
import Observability
import Synchronization
import TestSupport
import Testing

@testable import HeadroomCLI

/// Tests of the policy watcher against a temporary directory laid out as the kubelet mounts a
/// ConfigMap: `policy.yaml → ..data/policy.yaml`, `..data → ..<version>`, changed by an atomic
/// rename of a new `..data` symlink.
@Suite struct PolicyWatcherTests {
    /// Returns `Deployment cms/api`, perReplica 100 on `queue`, max `max`, and with `admin` a
    /// second valid target.
    static func policy(max: Int = 20, admin: Bool = false) -> String {
        var text = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - kind: Deployment
                namespace: cms
                name: api
                minReplicas: 1
                maxReplicas: \(max)
                signals:
                  - name: queue
                    query: 'sum(queue_depth{deployment="{{name}}"})'
                    target: 100
                    rule: perReplica

            """
        if admin {
            text += """
                  - kind: Deployment
                    namespace: cms
                    name: admin
                    minReplicas: 1
                    maxReplicas: 5
                    signals:
                      - name: queue
                        query: 'sum(queue_depth{deployment="{{name}}"})'
                        target: 100
                        rule: perReplica

                """
        }
        return text
    }

    /// A policy where `api` is valid and `admin` has two problems, counted by hand: the unknown
    /// key `replicaz` on line 17 and the signal target `lots`, not a number, on line 22.
    static let invalidPolicy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - kind: Deployment
            namespace: cms
            name: api
            minReplicas: 1
            maxReplicas: 20
            signals:
              - name: queue
                query: 'sum(queue_depth{deployment="{{name}}"})'
                target: 100
                rule: perReplica
          - kind: Deployment
            namespace: cms
            name: admin
            replicaz: 3
            maxReplicas: 5
            signals:
              - name: queue
                query: 'sum(queue_depth{deployment="{{name}}"})'
                target: lots
                rule: perReplica

        """

    @Test func validInvalidValidSequence() async throws {
        let mount = try ConfigMapMount(policy: Self.policy())
        defer { mount.remove() }
        let harness = try WatcherHarness(mount: mount)

        #expect(await harness.watcher.check() == .unchanged)
        #expect(harness.applied.all.isEmpty)

        try mount.swap(to: Self.policy(max: 30, admin: true))
        #expect(await harness.watcher.check() == .applied(targets: 2, databases: 0))
        #expect(harness.applied.maxReplicas == [[30, 5]])
        #expect(harness.metrics.reloads.value(labels: ["success"]) == 1)
        #expect(harness.metrics.valid.value() == 1)
        #expect(harness.metrics.lastSuccess.value() == harness.clock.now.timeIntervalSince1970)
        let info = harness.log.records.filter { $0.level == .info }
        #expect(info.map(\.message) == ["policy reloaded; it applies from the next cycle"])
        #expect(info.first?.metadata["targets"] == .int(2))
        #expect(info.first?.metadata["keptTargets"] == .int(1))
        #expect(info.first?.metadata["addedTargets"] == .int(1))

        // A second poll of the same content changes nothing.
        #expect(await harness.watcher.check() == .unchanged)

        try mount.swap(to: Self.invalidPolicy)
        let rejected = await harness.watcher.check()
        guard case .rejected(let problems) = rejected else {
            Issue.record("expected a rejection, got \(rejected)")
            return
        }
        #expect(problems.count == 2)
        #expect(problems.contains { $0.hasPrefix("\(mount.policyPath):17:5: targets[1].replicaz: unknown key") })
        #expect(problems.contains { $0.hasPrefix("\(mount.policyPath):22:17: targets[1].signals[0].target:") })
        #expect(harness.applied.all.count == 1)
        #expect(harness.metrics.reloads.value(labels: ["failure"]) == 1)
        #expect(harness.metrics.valid.value() == 0)

        let errors = harness.log.records.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["problemCount"] == .int(2))
        #expect(errors.first?.metadata["problems"] == .string(problems.joined(separator: "\n")))
        // The Event names the targets still running: the policy applied last, api and admin.
        let events = harness.events.recorded
        #expect(events.count == 1)
        #expect(events.first?.targets == ["Deployment cms/api", "Deployment cms/admin"])
        #expect(events.first?.message.contains("failed with 2 problems") == true)

        // The same bad content is reported once, not at every poll.
        #expect(await harness.watcher.check() == .unchanged)
        #expect(harness.events.recorded.count == 1)

        try mount.swap(to: Self.policy(max: 40))
        harness.clock.advance(by: .seconds(10))
        #expect(await harness.watcher.check() == .applied(targets: 1, databases: 0))
        #expect(harness.applied.maxReplicas == [[30, 5], [40]])
        #expect(harness.metrics.reloads.value(labels: ["success"]) == 2)
        #expect(harness.metrics.valid.value() == 1)
        #expect(harness.metrics.lastSuccess.value() == harness.clock.now.timeIntervalSince1970)
    }

    @Test func missingFileFailsThenReturns() async throws {
        let mount = try ConfigMapMount(policy: Self.policy())
        defer { mount.remove() }
        let harness = try WatcherHarness(mount: mount)

        try FileManager.default.removeItem(atPath: mount.dataLink)
        let missing = await harness.watcher.check()
        guard case .rejected(let problems) = missing else {
            Issue.record("expected a rejection, got \(missing)")
            return
        }
        #expect(
            problems == [
                "reading the policy \(mount.policyPath) failed: file not found, so check the path and the volume mount"
            ]
        )
        #expect(harness.metrics.reloads.value(labels: ["failure"]) == 1)
        #expect(harness.metrics.valid.value() == 0)
        #expect(await harness.watcher.check() == .unchanged)

        try mount.swap(to: Self.policy(max: 25))
        #expect(await harness.watcher.check() == .applied(targets: 1, databases: 0))
        #expect(harness.applied.maxReplicas == [[25]])
    }

    @Test func syntaxErrorIsRejected() async throws {
        let mount = try ConfigMapMount(policy: Self.policy())
        defer { mount.remove() }
        let harness = try WatcherHarness(mount: mount)

        try mount.swap(to: "apiVersion: headroom.io/v1alpha1\nkind: [unclosed\n")
        let outcome = await harness.watcher.check()
        guard case .rejected(let problems) = outcome else {
            Issue.record("expected a rejection, got \(outcome)")
            return
        }
        #expect(problems.count == 1)
        #expect(problems.first?.contains("invalid YAML") == true)
        #expect(harness.applied.all.isEmpty)
    }

    /// The same content behind a new `..data` directory is no change.
    @Test func sameContentNewDirectoryUnchanged() async throws {
        let mount = try ConfigMapMount(policy: Self.policy())
        defer { mount.remove() }
        let harness = try WatcherHarness(mount: mount)
        try mount.swap(to: Self.policy())
        #expect(await harness.watcher.check() == .unchanged)
    }

    /// `run` polls on the injected clock: nothing before the interval, the change after it.
    @Test func runPollsEveryInterval() async throws {
        let mount = try ConfigMapMount(policy: Self.policy())
        defer { mount.remove() }
        let harness = try WatcherHarness(mount: mount)
        let running = Task { await harness.watcher.run() }
        defer { running.cancel() }

        try await harness.waitForSleepers(1)
        try mount.swap(to: Self.policy(max: 30))
        harness.clock.advance(by: .seconds(4))
        #expect(harness.applied.all.isEmpty)
        harness.clock.advance(by: .seconds(1))
        try await harness.waitForApplied(1)
        #expect(harness.applied.maxReplicas == [[30]])

        running.cancel()
        await running.value
    }

    @Test func eventMessageFitsInOneKilobyte() {
        let long = String(repeating: "x", count: 3000)
        let message = PolicyWatcher.eventMessage(path: "/p.yaml", problems: [long, "b"])
        #expect(message.utf8.count == 1024)
        #expect(message.hasPrefix("reloading the policy /p.yaml failed with 2 problems, first: xxx"))
        #expect(message.hasSuffix("..."))
    }
}

/// A temporary directory laid out as a mounted ConfigMap with one key, `policy.yaml`.
final class ConfigMapMount: Sendable {
    let directory: TemporaryDirectory
    private let version = Mutex(0)

    var policyPath: String { directory.file("policy.yaml") }
    var dataLink: String { directory.file("..data") }

    init(policy: String) throws {
        directory = try TemporaryDirectory(prefix: "headroom-configmap")
        try swap(to: policy)
        try FileManager.default.createSymbolicLink(atPath: policyPath, withDestinationPath: "..data/policy.yaml")
    }

    /// Writes `policy` into a new timestamped directory and renames a new `..data` symlink over
    /// the old one, as the kubelet does.
    func swap(to policy: String) throws {
        let number = version.withLock { value -> Int in
            value += 1
            return value
        }
        let versionName = "..2026_12_04_21_00_00.\(number)"
        try FileManager.default.createDirectory(atPath: directory.file(versionName), withIntermediateDirectories: false)
        try directory.write("\(versionName)/policy.yaml", policy)
        let temporary = directory.file("..data_tmp")
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: versionName)
        guard rename(temporary, dataLink) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: dataLink])
        }
    }

    func remove() { directory.remove() }
}

/// Event recorder that keeps what it was asked to record.
final class RecordingReloadEvents: PolicyReloadEventRecorder {
    struct Recorded: Equatable {
        var message: String
        var targets: [String]
    }

    private let store = Mutex<[Recorded]>([])
    var recorded: [Recorded] { store.withLock { $0 } }

    func reloadFailed(message: String, runningTargets: [TargetPolicy], at time: Date) async {
        store.withLock { $0.append(Recorded(message: message, targets: runningTargets.map(\.identity))) }
    }
}

/// The target lists the watcher handed over, in order.
final class AppliedPolicies: Sendable {
    private let lists = Mutex<[[TargetPolicy]]>([])

    func append(_ targets: [TargetPolicy]) { lists.withLock { $0.append(targets) } }
    var all: [[TargetPolicy]] { lists.withLock { $0 } }
    /// Each list as the `maxReplicas` of its targets.
    var maxReplicas: [[Int]] { all.map { $0.map(\.maxReplicas) } }
}

/// A watcher on a `ConfigMapMount`, with a manual clock and recording fakes.
final class WatcherHarness: Sendable {
    let clock = ManualClock()
    let log = InMemoryLogSink()
    let metrics = PolicyReloadMetrics(registry: MetricsRegistry())
    let events = RecordingReloadEvents()
    let applied: AppliedPolicies
    let watcher: PolicyWatcher

    init(mount: ConfigMapMount, apply: (@Sendable ([TargetPolicy], [DatabasePolicy]) -> Void)? = nil) throws {
        let baseline = try PolicyFileSnapshot.read(path: mount.policyPath).get()
        let initial = try PolicyLoader.load(path: mount.policyPath)
        let applied = AppliedPolicies()
        self.applied = applied
        watcher = PolicyWatcher(
            path: mount.policyPath,
            baseline: baseline,
            running: initial.targets,
            interval: .seconds(5),
            clock: clock,
            logger: Logger(level: .debug, sink: log),
            metrics: metrics,
            events: events,
            apply: { result in
                applied.append(result.targets)
                apply?(result.targets, result.databases)
            }
        )
    }

    /// Yields, bounded, until `count` tasks sleep on the clock.
    func waitForSleepers(_ count: Int) async throws {
        for _ in 0..<100_000 where clock.sleeperCount < count { await Task.yield() }
        try #require(clock.sleeperCount == count)
    }

    /// Yields, bounded, until `count` policies were applied.
    func waitForApplied(_ count: Int) async throws {
        for _ in 0..<100_000 where applied.all.count < count { await Task.yield() }
        try #require(applied.all.count == count)
    }
}
