import Autoscaler
import Foundation
import Testing

@testable import HeadroomCLI
@testable import Observability

/// `/metrics`, `/healthz`, `/readyz` and `/debug/decisions` scraped over loopback after
/// scripted cycles.
@Suite(.serialized)
struct ObservabilityEndpointTests {
    static let api = #"namespace="cms",name="api",kind="Deployment""#
    static let worker = #"namespace="cms",name="worker",kind="Deployment""#

    /// Three cycles of `api` (2 replicas, 10 jobs per replica, 1 to 10 replicas):
    /// queue 50 proposes ceil(50/10) = 5, within the default scale-up rate (double or +4).
    /// Queue 200 proposes 20, bounded to maxReplicas 10, and 5 may double to 10.
    /// Queue 10 proposes 1, but the default 300 s scale-down window keeps the 10 seen 15 s ago.
    @Test func signalAndRuleSeriesPerCycle() async throws {
        let observed = try ObservedLoop()
        defer { observed.stop() }
        let api = Self.api

        await observed.cycle(queue: 50)
        var samples = try await observed.scrape()
        #expect(samples["headroom_target_bounded_replicas{\(api)}"] == "5")
        #expect(samples["headroom_target_desired_replicas{\(api)}"] == "5")
        #expect(samples["headroom_signal_value{\(api),signal=\"queue\"}"] == "50")
        #expect(samples["headroom_signal_age_seconds{\(api),signal=\"queue\"}"] == "5")
        #expect(samples["headroom_signal_proposal_replicas{\(api),signal=\"queue\"}"] == "5")
        #expect(samples["headroom_signal_valid{\(api),signal=\"queue\"}"] == "1")
        #expect(samples["headroom_signal_target{\(api),signal=\"queue\"}"] == "10")
        #expect(samples["headroom_target_limiting_rule{\(api),reason=\"ScaledUp\"}"] == "1")
        // Error counters exist at 0 from the first cycle, so rate() counts the first failure.
        #expect(samples["headroom_target_errors_total{\(api),operation=\"read\"}"] == "0")
        #expect(samples["headroom_target_errors_total{\(api),operation=\"write\"}"] == "0")

        await observed.cycle(queue: 200)
        samples = try await observed.scrape()
        #expect(samples["headroom_target_bounded_replicas{\(api)}"] == "10")
        #expect(samples["headroom_target_desired_replicas{\(api)}"] == "10")
        #expect(samples["headroom_signal_proposal_replicas{\(api),signal=\"queue\"}"] == "10")
        #expect(samples["headroom_target_limiting_rule{\(api),reason=\"TooManyReplicas\"}"] == "1")
        #expect(samples["headroom_target_limiting_rule{\(api),reason=\"ScaledUp\"}"] == nil)

        await observed.cycle(queue: 10)
        samples = try await observed.scrape()
        #expect(samples["headroom_target_bounded_replicas{\(api)}"] == "1")
        #expect(samples["headroom_target_desired_replicas{\(api)}"] == "10")
        #expect(samples["headroom_signal_value{\(api),signal=\"queue\"}"] == "10")
        #expect(samples["headroom_target_limiting_rule{\(api),reason=\"ScaleDownStabilized\"}"] == "1")
        let apiRules = samples.keys.filter { $0.hasPrefix("headroom_target_limiting_rule{\(api)") }
        #expect(apiRules.count == 1)
    }

    @Test func conditionAndQuerySeries() async throws {
        let observed = try ObservedLoop()
        defer { observed.stop() }
        let (api, worker) = (Self.api, Self.worker)
        for _ in 0..<3 { await observed.cycle(queue: 50) }
        let samples = try await observed.scrape()

        // The api's last decision keeps 5 with a valid signal. The worker's signal fails.
        let apiTrue: Set<String> = ["AbleToScale", "ScalingActive"]
        let workerTrue: Set<String> = ["AbleToScale"]
        let conditions = [
            "AbleToScale", "ScalingActive", "ScalingLimited", "DownstreamLimited", "DownstreamBound",
            "BudgetUnknown", "Panic", "ScheduledFloor", "ScalingDisabled",
        ]
        for (labels, isTrue) in [(api, apiTrue), (worker, workerTrue)] {
            for condition in conditions {
                let expected = isTrue.contains(condition)
                let prefix = "headroom_condition{\(labels),condition=\"\(condition)\""
                #expect(samples[prefix + #",status="true"}"#] == (expected ? "1" : "0"), "\(labels) \(condition)")
                #expect(samples[prefix + #",status="false"}"#] == (expected ? "0" : "1"), "\(labels) \(condition)")
            }
        }
        // The worker's only signal fails, so it has no value, age or proposal and the loop holds.
        #expect(samples["headroom_signal_value{\(worker),signal=\"failing\"}"] == "NaN")
        #expect(samples["headroom_signal_age_seconds{\(worker),signal=\"failing\"}"] == "NaN")
        #expect(samples["headroom_signal_proposal_replicas{\(worker),signal=\"failing\"}"] == "NaN")
        #expect(samples["headroom_signal_valid{\(worker),signal=\"failing\"}"] == "0")
        #expect(samples["headroom_target_limiting_rule{\(worker),reason=\"MetricUnavailable\"}"] == "1")
        #expect(samples["headroom_target_desired_replicas{\(worker)}"] == "3")

        // One query per signal per cycle, and each of the worker's failed.
        #expect(samples["headroom_query_errors_total{signal=\"failing\"}"] == "3")
        #expect(samples["headroom_query_errors_total{signal=\"queue\"}"] == "0")
        #expect(samples["headroom_query_duration_seconds_count{signal=\"queue\"}"] == "3")
        #expect(samples["headroom_query_duration_seconds_count{signal=\"failing\"}"] == "3")
        #expect(samples["headroom_cycles_total"] == "3")
    }

    @Test func buildAndProcessSeries() async throws {
        let observed = try ObservedLoop()
        defer { observed.stop() }
        let before = Date().timeIntervalSince1970
        let samples = try await observed.scrape()

        // `swift --version` on this machine reports 6.3.1.
        #expect(samples["headroom_build_info{version=\"\(HeadroomCommandLine.version)\",swift=\"6.3\"}"] == "1")
        let openFiles = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        let scrapedFiles = try #require(samples["process_open_fds"].flatMap(Double.init))
        // The count moves with the test runner's other threads, so the two counts may differ a little.
        #expect(scrapedFiles >= 3)
        #expect(abs(scrapedFiles - Double(openFiles)) <= 16)
        let started = try #require(samples["process_start_time_seconds"].flatMap(Double.init))
        let uptime = ProcessInfo.processInfo.systemUptime
        #expect(started <= before)
        #expect(started >= before - uptime)
        let resident = try #require(samples["process_resident_memory_bytes"].flatMap(Double.init))
        // VmRSS in /proc/self/status is in kB, read moments after the scrape.
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let vmRSS = try #require(
            status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?
                .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) }
        )
        #expect(abs(resident - vmRSS * 1024) <= 0.25 * vmRSS * 1024)
        let cpu = try #require(samples["process_cpu_seconds_total"].flatMap(Double.init))
        #expect(cpu > 0)
        #expect(cpu <= Double(ProcessInfo.processInfo.activeProcessorCount) * (before - started + 5))
    }

    /// The interval is 15 s, so the limit is 45 s after the last cycle was first seen.
    @Test func healthzFailsWhenCyclesStop() async throws {
        let observed = try ObservedLoop()
        defer { observed.stop() }
        observed.clock.advance(by: .seconds(45))
        #expect(try await observed.get("/healthz").status == 200)
        observed.clock.advance(by: .milliseconds(500))
        let stuck = try await observed.get("/healthz")
        #expect(stuck.status == 503)
        #expect(stuck.body == "no cycle finished for 45.5 s (limit 45.0 s)\n")

        // A cycle in which every read and query fails still finishes: alive again.
        observed.workloads.failReads(true)
        await observed.loop.runCycle()
        #expect(try await observed.get("/healthz").status == 200)
        observed.clock.advance(by: .seconds(45))
        #expect(try await observed.get("/healthz").status == 200)
        observed.clock.advance(by: .seconds(1))
        #expect(try await observed.get("/healthz").status == 503)
    }

    @Test func readyzNeedsRecentRead() async throws {
        let observed = try ObservedLoop(leadership: { "standby; the leader is headroom-1" })
        defer { observed.stop() }
        let before = try await observed.get("/readyz")
        #expect(before.status == 503)
        #expect(
            before.body
                == "not ready: no target was read from the API server yet\nleadership: standby; the leader is headroom-1\n"
        )

        await observed.cycle(queue: 50)
        let ready = try await observed.get("/readyz")
        #expect(ready.status == 200)
        #expect(ready.body == "ready\nleadership: standby; the leader is headroom-1\n")

        // Reads fail from now on, so the last decision ages: 15 s, then 30 s, then 45 s.
        observed.workloads.failReads(true)
        await observed.cycle(queue: 50)
        #expect(try await observed.get("/readyz").status == 200)
        observed.clock.advance(by: .seconds(15))
        let unreachable = try await observed.get("/readyz")
        #expect(unreachable.status == 503)
        #expect(
            unreachable.body
                == "not ready: the API server has not answered a read for 45.0 s (limit 30.0 s)\n"
                + "leadership: standby; the leader is headroom-1\n"
        )
    }

    @Test func decisionsDecodeWithoutCredentials() async throws {
        let observed = try ObservedLoop()
        defer { observed.stop() }
        await observed.cycle(queue: 50)
        await observed.cycle(queue: 200)
        let (status, body) = try await observed.get("/debug/decisions")
        #expect(status == 200)
        #expect(!body.contains("s3cret-pass"))
        #expect(!body.contains("tok-123456"))

        let decoded = try DecisionsDocument.decode(Data(body.utf8))
        let original = observed.loop.recentDecisions()
        #expect(Set(decoded.keys) == ["Deployment cms/api", "Deployment cms/worker"])
        // The api's decisions hold no credential, so they come back unchanged.
        #expect(decoded["Deployment cms/api"] == original["Deployment cms/api"])
        let api = try #require(decoded["Deployment cms/api"])
        #expect(api.map(\.specReplicas) == [2, 5])
        #expect(api.map(\.decision.desiredReplicas) == [5, 10])
        #expect(api.map { $0.decision.signals.first?.value } == [50, 200])
        #expect(api.map(\.time) == [ObservedLoop.epoch, ObservedLoop.epoch.addingTimeInterval(15)])

        let worker = try #require(decoded["Deployment cms/worker"]?.last?.decision.signals.first)
        let originalDetail = try #require(original["Deployment cms/worker"]?.last?.decision.signals.first?.detail)
        #expect(originalDetail.contains("s3cret-pass"))
        #expect(originalDetail.contains("tok-123456"))
        let expected =
            originalDetail
            .replacingOccurrences(of: "s3cret-pass", with: "REDACTED")
            .replacingOccurrences(of: "tok-123456", with: "REDACTED")
        #expect(worker.detail == expected)
        #expect(worker.status == .failed)
    }
}

struct DecisionsRedactionTests {
    @Test(arguments: [
        ("GET http://u:p4ss@127.0.0.1:9090/api", "GET http://u:REDACTED@127.0.0.1:9090/api"),
        ("Authorization: Bearer eyJ.abc-def", "Authorization: Bearer REDACTED"),
        ("header Basic dXNlcjpwYXNz=", "header Basic REDACTED"),
        ("token=abc123&x=1", "token=REDACTED&x=1"),
        ("password: hunter2, user: bob", "password: REDACTED, user: bob"),
        ("client_secret=zzz", "client_secret=REDACTED"),
        ("api_key = k-1", "api_key = REDACTED"),
        ("queue depth 50 above 10 per replica", "queue depth 50 above 10 per replica"),
        ("http://127.0.0.1:9090/api/v1/query", "http://127.0.0.1:9090/api/v1/query"),
    ])
    func credentialPatterns(input: String, expected: String) {
        #expect(DecisionsDocument.redact(input) == expected)
    }
}

struct ProcessStatTests {
    /// A `stat` line written by hand: the command contains spaces and parentheses, utime is field
    /// 14 (111), stime 15 (222), starttime 22 (99999) and rss 24 (4321).
    @Test func statFieldsAfterCommand() throws {
        let line = "1234 (my (odd) cmd) S 1 2 3 4 5 6 7 8 9 10 111 222 13 14 15 16 17 18 99999 20 4321 26 27\n"
        let stat = try #require(ProcessStat(stat: line))
        #expect(stat == ProcessStat(userTicks: 111, systemTicks: 222, startTicks: 99999, residentPages: 4321))
        #expect(ProcessStat(stat: "1234 (cmd) S 1 2") == nil)
        #expect(ProcessStat.bootTime(procStat: "cpu  1 2 3\nbtime 1764800000\nprocesses 5\n") == 1_764_800_000)
    }
}

struct HealthProbesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func readyWithoutTargets() {
        let probes = HealthProbes(
            interval: 15,
            cyclesFinished: { 0 },
            lastDecision: { nil },
            targetCount: { 0 },
            now: { Self.now }
        )
        #expect(
            probes.readiness() == ProbeAnswer(status: 200, body: "ready\nleadership: none (leader election is off)\n")
        )
    }

    @Test func notReadyWithoutPolicy() {
        let probes = HealthProbes(
            interval: 15,
            cyclesFinished: { 1 },
            lastDecision: { Self.now },
            targetCount: { 2 },
            policyLoaded: { false },
            leadership: { "leader" },
            now: { Self.now }
        )
        #expect(
            probes.readiness() == ProbeAnswer(status: 503, body: "not ready: no policy is loaded\nleadership: leader\n")
        )
    }
}
