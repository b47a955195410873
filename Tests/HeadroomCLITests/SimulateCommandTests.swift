import Foundation
import TestSupport
import Testing

@testable import HeadroomCLI

/// `headroom simulate`: flag errors and a short smoke run, in process.
struct SimulateCommandTests {
    static let policy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - namespace: shop
            name: api
            maxReplicas: 100
            signals:
              - preset: ingressNginxRequestRate
              - preset: ingressNginx5xxRatio
        """

    private func run(_ arguments: [String]) async -> (code: Int32, out: String, err: String) {
        let captured = CapturedOutput()
        let code = await HeadroomCommandLine.run(["simulate"] + arguments, output: captured.output)
        return (code, captured.standardOutput, captured.standardError)
    }

    @Test(arguments: [
        (["--scenario", "smoke-ramp"], "'--policy FILE' is required"),
        (["--policy", "p.yaml"], "'--scenario NAME' is required"),
        (["--policy", "p.yaml", "--scenario", "nope"], "'--scenario' got 'nope'"),
        (["--policy", "p.yaml", "--scenario", "smoke-ramp", "--seeds", "5-1"], "'--seeds' got '5-1'"),
        (["--policy", "p.yaml", "--scenario", "smoke-ramp", "--seeds=0"], "'--seeds' got '0'"),
        (["--policy", "p.yaml", "--scenario", "smoke-ramp", "--baselines", "hpa,vpa"], "'--baselines' got 'vpa'"),
        (["--policy", "p.yaml", "--scenario", "smoke-ramp", "--fast"], "unknown option '--fast'"),
        (["--policy", "p.yaml", "--scenario", "smoke-ramp", "--plot"], "'--plot' needs a value"),
        (["--policy", "a", "--policy", "b", "--scenario", "smoke-ramp"], "'--policy' given twice"),
    ])
    func badFlagExitsTwoNamingValue(arguments: [String], message: String) async {
        let result = await run(arguments)
        #expect(result.code == 2)
        #expect(result.err.contains(message), "\(result.err)")
        #expect(result.err.contains("Usage: headroom simulate"))
    }

    @Test func seedSpecifications() {
        #expect(SimulateOptions.parseSeeds("1-5") == [1, 2, 3, 4, 5])
        #expect(SimulateOptions.parseSeeds("2,4-5") == [2, 4, 5])
        #expect(SimulateOptions.parseSeeds("1-") == nil)
        #expect(SimulateOptions.parseSeeds("") == nil)
    }

    @Test func unsupportedSignalExitsFour() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write(
            "policy.yaml",
            Self.policy.replacingOccurrences(
                of: "      - preset: ingressNginx5xxRatio",
                with: "      - name: custom\n        query: sum(up)\n        target: 3\n        rule: perReplica"
            )
        )
        let result = await run(["--policy", file, "--scenario", "smoke-ramp", "--seeds", "1"])
        #expect(result.code == 4)
        #expect(result.err.contains("signal \"custom\""), "\(result.err)")
        #expect(result.err.contains("use replay for arbitrary PromQL"))
    }

    /// The run CI can afford: 8 model minutes, one seed, with every output file.
    @Test func smokeRunWritesAllOutputs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("policy.yaml", Self.policy)
        let result = await run([
            "--policy", file, "--scenario", "smoke-ramp", "--seeds", "1", "--baselines", "hpa",
            "--report", directory.file("report.md"), "--csv", directory.file("scores.csv"),
            "--plot", directory.file("plot.svg"),
        ])

        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("controller interval 15 s"))
        #expect(result.out.contains("| headroom |"))
        #expect(result.out.contains("| hpa |"))
        let csv = try String(contentsOfFile: directory.file("scores.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        // Header, Headroom's run and the HPA's run.
        #expect(rows.count == 3)
        let header = rows[0].map(String.init)
        let row = rows[1].map(String.init)
        #expect(row[0] == "smoke-ramp")
        #expect(row[1] == "headroom")
        #expect(row[2] == "1")
        // The hold at 300/s is 8.6 replicas' worth at the rate preset's 35/s. Within the default
        // 10 % tolerance a count n stays while 300 / (35 n) <= 1.1, so the loop reaches at least
        // ceil(300 / 38.5) = 8 and never needs more than ceil(300 / 35) = 9 for the hold, plus
        // what the sampled rate's noise adds.
        let peakColumn = try #require(header.firstIndex(of: "peak_replicas"))
        let peak = try #require(Double(row[peakColumn]))
        #expect(peak >= 8)
        // The HPA on the same signal and target proposes ceil(300 / 35) = 9 at the hold, unless
        // the 10 % tolerance keeps 8 (300 / 280 = 1.07).
        let hpa = rows[2].map(String.init)
        #expect(hpa[1] == "hpa")
        let hpaPeak = try #require(Double(hpa[peakColumn]))
        #expect(hpaPeak >= 8, "HPA peak \(hpaPeak)")
        #expect(hpaPeak <= 10, "HPA peak \(hpaPeak)")
        let report = try String(contentsOfFile: directory.file("report.md"), encoding: .utf8)
        #expect(report.contains("## smoke-ramp"))
        let svg = try String(contentsOfFile: directory.file("plot.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains(">headroom</text>"))
    }
}

@Suite struct SimulatePipelineLagTests {
    @Test func lagIsParsedAndChecked() {
        let base = ["--policy", "p.yaml", "--scenario", "smoke-ramp"]
        #expect((try? SimulateOptions.parse(base + ["--pipeline-lag", "30s"]).get())?.pipelineLag == 30)
        #expect((try? SimulateOptions.parse(base + ["--pipeline-lag=12.5"]).get())?.pipelineLag == 12.5)
        for bad in ["-1", "soon", "601"] {
            guard case .failure(let error) = SimulateOptions.parse(base + ["--pipeline-lag", bad]) else {
                Issue.record("--pipeline-lag \(bad) was accepted")
                continue
            }
            #expect(error.message.contains("'--pipeline-lag' got '\(bad)'"))
        }
    }

    /// The same seed with samples visible 60 s after their scrape: the report states the lag,
    /// and the spike is met no earlier than with fresh samples, since every decision sees the
    /// ramp a minute late.
    @Test func lagDelaysTheSpikeResponse() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("policy.yaml", SimulateCommandTests.policy)
        func spikeTime(_ extra: [String]) async throws -> (Double, String) {
            let captured = CapturedOutput()
            let csv = directory.file("scores-\(extra.count).csv")
            let code = await HeadroomCommandLine.run(
                ["simulate", "--policy", file, "--scenario", "smoke-ramp", "--seeds", "1", "--csv", csv] + extra,
                output: captured.output
            )
            #expect(code == 0, "\(captured.standardError)")
            let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let column = try #require(rows[0].firstIndex(of: "spike_to_enough_ready_seconds"))
            return (Double(rows[1][column]) ?? .infinity, captured.standardOutput)
        }
        let (fresh, _) = try await spikeTime([])
        let (late, output) = try await spikeTime(["--pipeline-lag", "60"])
        #expect(output.contains("metric pipeline lag 60 s"))
        #expect(late >= fresh, "with lag \(late) s, without \(fresh) s")
    }
}
