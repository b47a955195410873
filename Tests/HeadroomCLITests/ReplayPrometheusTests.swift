import Autoscaler
import Foundation
import HTTPTransport
import MetricsClient
import TestSupport
import Testing

@testable import HeadroomCLI

/// `headroom replay` against a real Prometheus backfilled with `ReplayHistoryData`, whose
/// range is long enough at its step to need more than one `query_range` chunk.
@Suite(.serialized) struct ReplayPrometheusTests {
    typealias Data = ReplayHistoryData

    /// Returns what the daemon would have seen at step `time`, computed from the samples alone.
    private func expectedOutcome(at time: Double) -> SampleOutcome {
        guard let newest = Data.newestSample(at: time, where: Data.hasDepth) else { return .empty }
        let age = Duration.seconds(time - newest.time)
        let value = Data.depth(newest.index)
        if time - newest.time > Data.maxSampleAgeSeconds {
            return .stale(value, age: age, maxAge: .seconds(Data.maxSampleAgeSeconds))
        }
        return .value(value, age: age)
    }

    private func expectedReplicas(at time: Double) -> Int? {
        Data.newestSample(at: time) { _ in true }.map { Data.replicas($0.index) }
    }

    /// Steps the engine by hand over the file's samples. Each cycle starts from the recorded
    /// replicas, and each change of them is a scale event at the cycle before it was seen.
    private func expectedDecisions(_ target: TargetPolicy, times: [Double]) -> [Decision?] {
        var history = ScalingHistory()
        var previous: (time: Double, replicas: Int)?
        return times.map { time -> Decision? in
            guard let replicas = expectedReplicas(at: time) else { return nil }
            if let previous, previous.replicas != replicas {
                history.scaleEvents.append(
                    ScalingHistory.ScaleEvent(
                        time: Date(timeIntervalSince1970: previous.time),
                        change: replicas - previous.replicas
                    )
                )
            }
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: ["queue": expectedOutcome(at: time)],
                specReplicas: replicas,
                readyReplicas: replicas,
                history: history,
                now: Date(timeIntervalSince1970: time)
            )
            history = decision.historyIfNotWritten
            previous = (time, replicas)
            return decision
        }
    }

    private func withPrometheus(_ body: (PrometheusServer, TemporaryDirectory, TargetPolicy) async throws -> Void)
        async throws
    {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let policyPath = try directory.write("policy.yaml", Data.policy)
        let target = try #require(try PolicyLoader.load(path: policyPath).targets.first)
        let server = try PrometheusServer(openMetrics: Data.openMetrics())
        defer { server.stop() }
        try await body(server, directory, target)
    }

    @Test func replayedDecisionsEqualTheEngineFedTheFileSamples() async throws {
        try await withPrometheus { server, _, target in
            var options = ReplayOptions()
            options.prometheusURL = server.baseURL
            options.stepSeconds = Data.replayStep
            let grid = try #require(
                RangeGrid(
                    start: Date(timeIntervalSince1970: Data.replayStart),
                    end: Date(timeIntervalSince1970: Data.replayEnd),
                    step: .milliseconds(13_000)
                )
            )
            let sampler = SignalSampler(client: PrometheusClient(baseURL: server.baseURL, http: try CurlHTTPClient()))

            let steps = try await ReplayCommand.replay(target, grid: grid, options: options, sampler: sampler).get()

            let times = (0..<grid.count).map { Data.replayStart + Data.replayStep * Double($0) }
            let expected = expectedDecisions(target, times: times)
            // (end - start) / step = 174,340.5 / 13, so 13,411 steps: two chunks.
            #expect(grid.count == 13_411)
            #expect(steps.count == times.count)
            #expect(steps.map(\.time) == times.map { Date(timeIntervalSince1970: $0) })
            // Counted rather than compared whole, so a failure prints a number, not 13,411 values.
            let replicaMismatches = zip(steps, times).filter { $0.actualReplicas != expectedReplicas(at: $1) }.count
            #expect(replicaMismatches == 0)
            var mismatches = 0
            for (index, step) in steps.enumerated() where step.decision != expected[index] {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record(
                        "step \(index): got \(String(describing: step.decision)), want \(String(describing: expected[index]))"
                    )
                }
            }
            #expect(mismatches == 0)

            // The file exercises each outcome the replay must carry over.
            let outcomes = times.map(expectedOutcome)
            #expect(outcomes.contains { if case .stale = $0 { true } else { false } })
            #expect(outcomes.contains(.empty))
            #expect(times.contains { expectedReplicas(at: $0) == nil })
            #expect(Set(expected.compactMap { $0?.reason }).count >= 3)
        }
    }

    @Test func commandPrintsTheDifferingStepsAndWritesCSV() async throws {
        try await withPrometheus { server, directory, target in
            let policyPath = directory.file("policy.yaml")
            let csvPath = directory.file("replay.csv")
            let captured = CapturedOutput()

            let status = await HeadroomCommandLine.dispatch(
                [
                    "replay", "--policy", policyPath, "--prometheus", server.baseURL,
                    "--start", "\(Data.replayStart)", "--end", "\(Data.replayEnd)", "--step", "13s",
                    "--csv", csvPath, "--plot", directory.file("replay.svg"),
                ],
                output: captured.output
            )

            #expect(status == .success, "\(captured.standardError)")
            let times = (0..<13_411).map { Data.replayStart + Data.replayStep * Double($0) }
            let expected = expectedDecisions(target, times: times)
            let replicas = times.map(expectedReplicas)
            // Walk backwards, carrying the next known replica count.
            var differing = 0
            var next: Int?
            for index in times.indices.reversed() {
                if let decision = expected[index], decision.desiredReplicas != (next ?? replicas[index]) {
                    differing += 1
                }
                next = replicas[index] ?? next
            }
            let printed = captured.standardOutput.split(separator: "\n").filter { $0.hasPrefix("  2023-11-") }
            #expect(printed.count == differing)
            #expect(captured.standardOutput.contains("differing from what happened next: \(differing)\n"))
            let csv = try String(contentsOfFile: csvPath, encoding: .utf8)
            #expect(csv.split(separator: "\n").count == times.count + 1)
        }
    }

    @Test func prometheusDownFailsWithTheURLAndAFix() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let policyPath = try directory.write("policy.yaml", Data.policy)
        let url = "http://127.0.0.1:\(try freeLoopbackPort())"
        let captured = CapturedOutput()

        let status = await HeadroomCommandLine.dispatch(
            ["replay", "--policy", policyPath, "--prometheus", url, "--start", "1700000000", "--end", "1700000600"],
            output: captured.output
        )

        #expect(status == .setupFailed)
        #expect(captured.standardError.contains("the replicas query for Deployment shop/web at \(url) failed"))
        #expect(captured.standardError.contains("check '--prometheus' and that Prometheus is up"))
        #expect(captured.standardOutput.isEmpty)
    }
}
