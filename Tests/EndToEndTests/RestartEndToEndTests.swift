import Foundation
import KubeTestServer
import TestSupport
import Testing

extension EndToEndTests {
    /// One `headroom run --leader-elect` at a time, killed with SIGKILL and started again, so
    /// the state saved in the Lease `shop/headroom-state` carries the decisions across the
    /// restart. Only a leader-elected instance saves state: without `--leader-elect` there is
    /// no Lease to save it in.
    ///
    /// - `Deployment shop/down` at 6 replicas, target 10 on `down_load` = 60, a scale-down
    ///   stabilization window of 20 s. The load drops to 20, so the recommendation becomes
    ///   ceil(20 / 10) = 2. The window keeps 6 until 20 s after the last recommendation of 6.
    ///   The process is killed about 8 s after that recommendation and started again. The new
    ///   process scales down to 2 when the original window ends, not 20 s after its start.
    /// - `Deployment shop/up` at 4 replicas, target 10 on `up_load` = 40, one scale-up policy
    ///   of 4 pods per 60 s. The load rises to 70 before the kill: 4 → 7, +3 of the 4 allowed.
    ///   After the restart it rises to 120 (proposal 12), and the period that began at 4
    ///   allows 4 + 4 = 8 until 60 s after the +3, so the new process writes 8.
    /// - Then the process is killed again and the state Lease is corrupted. The third process
    ///   starts without usable state: it scales `up` from 8 to 8 + 4 = 12 at once, because it
    ///   has no record of an earlier scale-up, and keeps `down` at 2 for one 20 s window from its first
    ///   cycle although the load (10) proposes 1.
    @Suite struct RestartEndToEndTests {
        static let suite = "Restart"
        static let down = "Deployment shop/down"
        static let up = "Deployment shop/up"
        static let downScalePath = "/apis/apps/v1/namespaces/shop/deployments/down/scale"
        static let upScalePath = "/apis/apps/v1/namespaces/shop/deployments/up/scale"
        static let downSeries = #"down_load{namespace="shop",deployment="down"}"#
        static let upSeries = #"up_load{namespace="shop",deployment="up"}"#
        static let windowSeconds = 20.0
        /// How long after the last high recommendation the first process is killed.
        static let killAfterSeconds = 8.0
        /// The max gap between the engine's decision time and the log record of its signal,
        /// which is written right after the decision.
        static let recordLagSeconds = 0.5
        /// The max time from a cycle's start to its scale write arriving, on a loaded machine:
        /// the Prometheus query and the workload read come first. A CI run with other work on
        /// both cores took 1.13 s, so 2 s.
        static let cycleWorkSeconds = 2.0
        /// Saved times are rounded to the later second, so a restored recommendation may be up
        /// to 1 s younger than it was.
        static let roundingSeconds = 1.0

        static let policy = """
            apiVersion: headroom.io/v1alpha1
            kind: ScalingPolicy
            targets:
              - kind: Deployment
                namespace: shop
                name: down
                minReplicas: 1
                maxReplicas: 10
                behavior: {scaleDown: {stabilizationWindowSeconds: 20}}
                signals:
                  - name: load
                    query: 'sum(down_load{namespace="{{namespace}}",deployment="{{name}}"})'
                    target: 10
                    rule: perReplica
              - kind: Deployment
                namespace: shop
                name: up
                minReplicas: 1
                maxReplicas: 12
                behavior: {scaleUp: {policies: [{type: Pods, value: 4, periodSeconds: 60}]}}
                signals:
                  - name: load
                    query: 'sum(up_load{namespace="{{namespace}}",deployment="{{name}}"})'
                    target: 10
                    rule: perReplica

            """

        @Test func restartKeepsWindowAndRateLimit() async throws {
            let started = ContinuousClock.now
            let environment = try EndToEndEnvironment(liveGauges: [Self.downSeries: "60", Self.upSeries: "40"])
            defer { environment.stop() }
            try environment.seed(kind: "Deployment", name: "down", replicas: 6)
            try environment.seed(kind: "Deployment", name: "up", replicas: 4)
            try environment.waitForLiveSamples()
            let policy = try environment.writePolicy(Self.policy)
            var processes: [LeaderCandidate] = []
            defer { for process in processes { process.child.terminate(grace: .seconds(1)) } }
            func start(_ identity: String) throws -> LeaderCandidate {
                let candidate = try LeaderCandidate(
                    identity: identity,
                    podName: "headroom",
                    environment: environment,
                    policy: policy
                )
                processes.append(candidate)
                return candidate
            }

            // The first process decides 6 for `down` at least once, then the load changes.
            let first = try start("headroom-1")
            try await LeaderCandidate.waitForHolder("headroom", environment)
            try await first.waitForFirstDecision(Self.down)
            environment.live.setGauge(Self.downSeries, "20")
            environment.live.setGauge(Self.upSeries, "70")
            try await HeadroomProcess.wait("the first process to scale up to 7", timeout: .seconds(15)) {
                try environment.specReplicas("deployments", "up") == 7
            }
            try await HeadroomProcess.wait("the first process to see the drop", timeout: .seconds(15)) {
                CandidateDecision.parse(first.records, target: Self.down).contains { $0.proposal == 2 }
            }
            try await HeadroomProcess.wait("the saved state to hold the +3 and the drop", timeout: .seconds(10)) {
                guard let state = try? Self.savedState(environment) else { return false }
                return state.changes(Self.up) == [3] && state.recommendations(Self.down).last?.replicas == 2
            }
            let firstDecisions = CandidateDecision.parse(first.records, target: Self.down)
            let lastHigh = try #require(firstDecisions.last { $0.proposal == 6 })
            let firstLow = try #require(firstDecisions.first { $0.proposal == 2 })
            let killAt = Date(timeIntervalSince1970: lastHigh.time + Self.killAfterSeconds)
            try await Task.sleep(for: .seconds(max(0, killAt.timeIntervalSinceNow)))
            try await first.kill()
            let saved = try Self.savedState(environment)

            // The second process restores the state.
            environment.live.setGauge(Self.upSeries, "120")
            let restarted = Date()
            let second = try start("headroom-2")
            try await HeadroomProcess.wait("the second process to scale down", timeout: .seconds(30)) {
                try environment.specReplicas("deployments", "down") == 2
            }
            let secondUp = CandidateDecision.parse(second.records, target: Self.up)
            let secondRecords = second.records
            try await second.kill()

            try checkRestored(
                audit: LeaderAudit(environment.cluster.audit.all),
                saved: saved,
                lastHigh: lastHigh,
                firstLow: firstLow,
                restarted: restarted,
                secondUp: secondUp,
                secondRecords: secondRecords,
                elapsed: ContinuousClock.now - started
            )

            // The third process finds the state corrupted.
            try Self.corruptState(environment)
            environment.live.setGauge(Self.downSeries, "10")
            try await Task.sleep(for: .seconds(2))
            let third = try start("headroom-3")
            try await HeadroomProcess.wait("the third process to scale up to 12", timeout: .seconds(20)) {
                try environment.specReplicas("deployments", "up") == 12
            }
            try await HeadroomProcess.wait("the third process to scale down to 1", timeout: .seconds(35)) {
                try environment.specReplicas("deployments", "down") == 1
            }
            kill(third.child.process.processIdentifier, SIGTERM)
            try await HeadroomProcess.wait("the third process to exit", timeout: .seconds(12)) {
                !third.child.isRunning
            }
            let elapsed = ContinuousClock.now - started

            try checkWithoutState(
                audit: LeaderAudit(environment.cluster.audit.all),
                third: third,
                elapsed: elapsed
            )
            #expect(third.child.process.terminationStatus == 0)
            #expect(elapsed < .seconds(100), "the test took \(elapsed), over its 100 s budget")
        }

        /// Checks the scale-down at the original window's end, the rate limit across the
        /// restart and the saved state.
        func checkRestored(
            audit: LeaderAudit,
            saved: SavedStateDocument,
            lastHigh: CandidateDecision,
            firstLow: CandidateDecision,
            restarted: Date,
            secondUp: [CandidateDecision],
            secondRecords: [JSONLogRecord],
            elapsed: Duration
        ) throws {
            let window = Self.windowSeconds
            let interval = LeaderCandidate.intervalSeconds

            // Scale-down: 20 s after the last recommendation of 6, within one interval (plus the
            // rounding of saved times and the cycle's own work), and well before 20 s after the
            // restart.
            let downWrites = try audit.scaleWrites(Self.downScalePath)
            let downWrite = try #require(downWrites.first)
            let downTime = downWrite.entry.time.timeIntervalSince1970
            let earliest = lastHigh.time + window - Self.recordLagSeconds
            let latest = lastHigh.time + window + interval + Self.roundingSeconds + Self.cycleWorkSeconds
            let freshWindowEnd = restarted.timeIntervalSince1970 + window
            FaultMatrix.record(
                suite: Self.suite,
                row: "C02 scale-down at the original window end",
                duration: elapsed,
                [
                    .init(
                        "down writes by identity",
                        expected: "[\"headroom-2=2\"]",
                        observed: "\(downWrites.map { "\($0.entry.identity ?? "?")=\($0.replicas)" })"
                    ),
                    .init(
                        String(format: "write %.2f s after the last 6", downTime - lastHigh.time),
                        expected: String(
                            format: "%.1f to %.1f s",
                            window - Self.recordLagSeconds,
                            latest - lastHigh.time
                        ),
                        observed: (earliest...latest).contains(downTime)
                            ? String(format: "%.1f to %.1f s", window - Self.recordLagSeconds, latest - lastHigh.time)
                            : String(format: "%.2f s", downTime - lastHigh.time)
                    ),
                    .init(
                        "write before a fresh window from the restart",
                        expected: "true",
                        observed: "\(downTime < freshWindowEnd)"
                    ),
                ]
            )
            #expect(downWrites.map { "\($0.entry.identity ?? "?")=\($0.replicas)" } == ["headroom-2=2"])
            #expect(downTime >= earliest, "scaled down \(downTime - lastHigh.time) s after the last 6")
            #expect(downTime <= latest, "scaled down \(downTime - lastHigh.time) s after the last 6")
            #expect(downTime < freshWindowEnd, "scaled down a full window after the restart")
            // The log's drop is one interval after the last high recommendation.
            #expect(abs(firstLow.time - lastHigh.time - interval) < 0.5)

            // Rate limit: +3 before the kill, then only +1 after it.
            let upWrites = try audit.scaleWrites(Self.upScalePath)
            let observedUp = upWrites.map { "\($0.entry.identity ?? "?")=\($0.replicas)" }
            let limited = secondUp.first { $0.message == "scaled" }
            FaultMatrix.record(
                suite: Self.suite,
                row: "C02 rate limit across the restart",
                duration: elapsed,
                [
                    .init(
                        "up writes by identity",
                        expected: "[\"headroom-1=7\", \"headroom-2=8\"]",
                        observed: "\(observedUp)"
                    ),
                    .init("second process proposal", expected: 12, observed: limited?.proposal),
                    .init(
                        "limited by",
                        expected: "true",
                        observed: "\(limited?.limits.contains("ScaleUpLimit") == true)"
                    ),
                ]
            )
            #expect(observedUp == ["headroom-1=7", "headroom-2=8"])
            #expect(limited?.proposal == 12)
            #expect(limited?.limits.contains("ScaleUpLimit") == true, "limits: \(limited?.limits ?? [])")
            #expect(secondRecords.contains { $0.message == "loaded saved scaling history" })

            // The saved state, decoded here from the documented JSON: `down`'s recommendation
            // of 6 at the time of the last high record (saved times are rounded up to whole
            // seconds), and `up`'s +3.
            let six = saved.recommendations(Self.down).last { $0.replicas == 6 }
            let sixOffset = six.map { $0.time - lastHigh.time }
            FaultMatrix.record(
                suite: Self.suite,
                row: "C02 state in the Lease annotation",
                duration: elapsed,
                [
                    .init("format version", expected: 1, observed: saved.version),
                    .init("up scale events", expected: "[3]", observed: "\(saved.changes(Self.up))"),
                    .init(
                        "down's last 6 at the last high record, rounded up",
                        expected: "true",
                        observed:
                            "\(sixOffset.map { $0 > -Self.recordLagSeconds && $0 < Self.roundingSeconds } ?? false)"
                    ),
                    .init(
                        "down's newest recommendation",
                        expected: 2,
                        observed: saved.recommendations(Self.down).last?.replicas
                    ),
                ]
            )
            #expect(saved.version == 1)
            #expect(saved.changes(Self.up) == [3])
            let offset = try #require(sixOffset)
            #expect(offset > -Self.recordLagSeconds, "offset \(offset) s")
            #expect(offset < Self.roundingSeconds, "offset \(offset) s")
            #expect(saved.recommendations(Self.down).last?.replicas == 2)
        }

        /// Checks the third process, which found the state Lease corrupted: scale-up at once,
        /// scale-down only one window after its term began. Without usable state the first
        /// cycle of the term starts every window afresh, because the standby's own history may
        /// rest on data the leader never saw. That cycle begins at most one interval after the
        /// Lease acquisition, which the audit log times.
        func checkWithoutState(audit: LeaderAudit, third: LeaderCandidate, elapsed: Duration) throws {
            let window = Self.windowSeconds
            let interval = LeaderCandidate.intervalSeconds
            let records = third.records
            let downDecisions = CandidateDecision.parse(records, target: Self.down)
            let acquired = try #require(audit.acquisitions.last { $0.identity == "headroom-3" })
            let termStart = acquired.time.timeIntervalSince1970

            let upWrite = try #require(try audit.scaleWrites(Self.upScalePath).last)
            let downWrite = try #require(try audit.scaleWrites(Self.downScalePath).last)
            let upAfter = upWrite.entry.time.timeIntervalSince1970 - termStart
            let downAfter = downWrite.entry.time.timeIntervalSince1970 - termStart
            let earliest = window - Self.recordLagSeconds
            let latest = window + 2 * interval + Self.cycleWorkSeconds
            let warned = records.contains { $0.message.hasPrefix("saved scaling history not usable") }
            // Within the window every decision proposes 1 (10 / 10) and keeps 2.
            let withinWindow = downDecisions.filter { $0.time - termStart < earliest }
            let keptTwo = withinWindow.allSatisfy { $0.proposal == 1 && $0.desired == 2 }

            FaultMatrix.record(
                suite: Self.suite,
                row: "C02 without usable state",
                duration: elapsed,
                [
                    .init("state reported unusable", expected: "true", observed: "\(warned)"),
                    .init("down kept at 2 within the window", expected: "true", observed: "\(keptTwo)"),
                    .init(
                        "up write",
                        expected: "headroom-3=12",
                        observed: "\(upWrite.entry.identity ?? "?")=\(upWrite.replicas)"
                    ),
                    .init("up written within the window", expected: "true", observed: "\(upAfter < earliest)"),
                    .init(
                        "down write",
                        expected: "headroom-3=1",
                        observed: "\(downWrite.entry.identity ?? "?")=\(downWrite.replicas)"
                    ),
                    .init(
                        String(format: "down write %.2f s after the Lease acquisition", downAfter),
                        expected: String(format: "%.1f to %.1f s", earliest, latest),
                        observed: (earliest...latest).contains(downAfter)
                            ? String(format: "%.1f to %.1f s", earliest, latest) : String(format: "%.2f s", downAfter)
                    ),
                ]
            )
            #expect(warned)
            #expect(withinWindow.count >= 5, "\(withinWindow.count) decisions within the window")
            for decision in withinWindow {
                #expect(decision.proposal == 1)
                #expect(decision.desired == 2)
            }
            #expect(upWrite.entry.identity == "headroom-3")
            #expect(upWrite.replicas == 12)
            #expect(upAfter < earliest, "scale-up \(upAfter) s after the Lease acquisition")
            #expect(downWrite.entry.identity == "headroom-3")
            #expect(downWrite.replicas == 1)
            #expect(downAfter >= earliest, "scale-down \(downAfter) s after the Lease acquisition")
            #expect(downAfter <= latest, "scale-down \(downAfter) s after the Lease acquisition")
        }

        /// Reads the state Lease's `headroom.io/state` annotation and decodes it here.
        static func savedState(_ environment: EndToEndEnvironment) throws -> SavedStateDocument {
            let lease = try environment.cluster.store.get(
                LeaderCandidate.leaseType,
                namespace: "shop",
                name: LeaderCandidate.stateLeaseName
            )
            guard let text = lease[path: ["metadata", "annotations", "headroom.io/state"]]?.stringValue else {
                throw TestSupportError.notFound(
                    "annotation headroom.io/state on shop/\(LeaderCandidate.stateLeaseName)"
                )
            }
            return try SavedStateDocument(json: text)
        }

        /// Replaces the state annotation with JSON cut off in the middle, as a truncated write
        /// or a hand edit leaves it.
        static func corruptState(_ environment: EndToEndEnvironment) throws {
            var lease = try environment.cluster.store.get(
                LeaderCandidate.leaseType,
                namespace: "shop",
                name: LeaderCandidate.stateLeaseName
            )
            lease[path: ["metadata", "annotations", "headroom.io/state"]] = .string(#"{"v":1,"t":17"#)
            lease[path: ["metadata", "resourceVersion"]] = nil
            _ = try environment.cluster.store.update(
                LeaderCandidate.leaseType,
                namespace: "shop",
                name: LeaderCandidate.stateLeaseName,
                subresource: nil,
                body: lease,
                manager: "e2e-test"
            )
        }
    }
}

/// The saved-state annotation, decoded by the test from its documented layout without the
/// product's decoder. The layout is `{"v": version, "t": save time in Unix seconds, "h": {kind:
/// {namespace: {name: entry}}}}`. An entry's `r` (recommendations) and `e` (scale events) are
/// flat lists of pairs, oldest first: the first pair's age before `t` and its value, then each
/// later pair's gap to the one before and its value.
struct SavedStateDocument {
    struct Point: Equatable {
        /// Unix seconds.
        var time: Double
        var replicas: Int
    }

    var version: Int?
    var savedAt: Double
    private var entries: [String: [String: Any]]

    init(json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let savedAt = (object["t"] as? NSNumber)?.doubleValue,
            let kinds = object["h"] as? [String: [String: [String: [String: Any]]]]
        else {
            throw TestSupportError.failed("saved state is missing t or h: \(json.prefix(500))")
        }
        version = object["v"] as? Int
        self.savedAt = savedAt
        var entries: [String: [String: Any]] = [:]
        for (kind, namespaces) in kinds {
            for (namespace, names) in namespaces {
                for (name, entry) in names { entries["\(kind) \(namespace)/\(name)"] = entry }
            }
        }
        self.entries = entries
    }

    /// Decodes one flat list of pairs into times and values.
    private func points(_ target: String, _ key: String) -> [Point] {
        guard let list = entries[target]?[key] as? [Int] else { return [] }
        var points: [Point] = []
        var age = 0
        for index in stride(from: 0, to: list.count - 1, by: 2) {
            age = index == 0 ? list[index] : age - list[index]
            points.append(Point(time: savedAt - Double(age), replicas: list[index + 1]))
        }
        return points
    }

    func recommendations(_ target: String) -> [Point] { points(target, "r") }

    /// Returns the changes of the saved scale events, oldest first.
    func changes(_ target: String) -> [Int] { points(target, "e").map(\.replicas) }
}
