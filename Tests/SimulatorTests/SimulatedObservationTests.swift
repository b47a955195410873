import FleetModel
import Foundation
import Testing

@testable import Simulator

@Suite struct SimulatedObservationTests {
    @Test func observationKeepsWindows() {
        let observation = SimulatedObservation(
            time: 30,
            specReplicas: 2,
            readyPods: 2,
            unreadyPods: 0,
            requestRate: 60,
            concurrency: [6: 1.5, 60: 1.2]
        )
        #expect(observation.concurrency[6] == 1.5)
        #expect(observation.concurrency[60] == 1.2)
    }
}

@Suite struct TraceFileScenarioTests {
    /// Per-minute counts 600, 1,200 and 600 run at count ÷ 60: 10, 20 and 10 requests/s.
    @Test func oneLineTraceRunsAtCountOverSixty() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("600,1200,600\n".utf8).write(to: URL(fileURLWithPath: path))
        let scenario = try SimulationScenarios.scenario(named: path, traces: TraceLocator())
        #expect(scenario.load.duration == 180)
        #expect(scenario.load.requestsPerSecond(at: 30) == 10)
        #expect(scenario.load.requestsPerSecond(at: 90) == 20)
        #expect(scenario.minReplicas == 2)
        #expect(scenario.fleet == .directusPgBouncer)
    }

    @Test func csvTraceWithHeaderIsWorldCupLayout() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = "period,count\n1998-05-12 06:00:00,120\n1998-05-12 06:01:00,240\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let scenario = try SimulationScenarios.scenario(named: path, traces: TraceLocator())
        #expect(scenario.load.duration == 120)
        #expect(scenario.load.requestsPerSecond(at: 61) == 4)
    }

    @Test func missingTraceFileNamesThePath() {
        let path = "/nonexistent/trace-\(UUID().uuidString).csv"
        #expect {
            _ = try SimulationScenarios.scenario(named: path, traces: TraceLocator())
        } throws: { error in
            "\(error)".contains(path)
        }
    }
}

@Suite struct BaselineWindowTests {
    /// Every KPA variant reads only windows the simulator computes; a missing window means no
    /// data and no scaling at all.
    @Test func settingsCoverEveryKPAWindow() throws {
        let scenario = SimulationScenarios.smokeScenario
        let settings = SimulationSettings()
        for name in ["kpa", "kpa-tuned"] {
            let model = try #require(KnownBaselines.make(name, scenario: scenario) as? KPAModel)
            for window in model.windows {
                #expect(settings.concurrencyWindows.contains(window), "\(name) reads \(window) s")
            }
        }
    }
}
