import Foundation
import Testing

@testable import FleetModel

@Suite struct ScenarioCatalogTests {
    /// True when the recorded traces are reachable, so the tests that read them run; otherwise
    /// they show as skipped.
    static let tracesFound = (try? TraceLocator().directory()) != nil

    @Test func syntheticScenariosNeedNoTraces() throws {
        let nowhere = TraceLocator(explicitDirectory: "/nonexistent/traces")
        let sale = try ScenarioCatalog.scenario(named: "flash-sale-30x", traces: nowhere)
        #expect(sale.fleet == .directusPgBouncer)
        #expect(sale.startsCold)
        #expect(sale.load.duration == 2_220)
        #expect(sale.seeds == [1, 2, 3, 4, 5])
        #expect(sale.minReplicas == 2)
        #expect(sale.maxReplicas == 100)
        #expect(sale.startReplicas == 2)
        #expect(!sale.tuningOnly)

        let database = try ScenarioCatalog.scenario(named: "db-bound", traces: nowhere)
        #expect(database.fleet == .directusDirect)
        #expect(database.load.requestsPerSecond(at: 1_000) == 1_800)
    }

    @Test func unknownScenarioListsNames() {
        #expect(throws: ScenarioCatalogError.unknownScenario("flash")) {
            try ScenarioCatalog.scenario(named: "flash", traces: TraceLocator())
        }
        #expect("\(ScenarioCatalogError.unknownScenario("flash"))".contains("worldcup98-match-day"))
    }

    @Test func traceScenarioWithoutTracesNamesFix() {
        let locator = TraceLocator(explicitDirectory: "/nonexistent/traces")
        do {
            _ = try ScenarioCatalog.scenario(named: "worldcup98-flash-crowd", traces: locator)
            Issue.record("expected a missing traces error")
        } catch {
            #expect("\(error)".contains("/nonexistent/traces"))
            #expect("\(error)".contains("HEADROOM_TRACES"))
        }
    }

    @Test func locatorSearchOrder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("locator-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let traces = root + "/shared/traces"
        let deep = root + "/a/b/c"
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)

        // From a/b/c: c/../shared, b/../shared, then a/../shared = root/shared.
        #expect(try TraceLocator(environment: [:], currentDirectory: deep).directory() == traces)
        #expect(try TraceLocator(explicitDirectory: deep, environment: [:]).directory() == deep)
        #expect(try TraceLocator(environment: ["HEADROOM_TRACES": deep], currentDirectory: "/").directory() == deep)

        let tooDeep = root + "/a/b/c/d/e/f"
        try FileManager.default.createDirectory(atPath: tooDeep, withIntermediateDirectories: true)
        do {
            _ = try TraceLocator(environment: [:], currentDirectory: tooDeep).directory()
            Issue.record("expected no traces five levels above the search")
        } catch let error as TraceLocatorError {
            #expect(error.tried.count == 5)
            #expect(error.tried.first == root + "/a/b/c/d/e/shared/traces")
            #expect(error.description.contains("--traces DIR"))
        }
    }

    @Test(.enabled(if: tracesFound)) func worldCupFlashCrowdFacts() throws {
        let trace = try TraceLocator().worldCup98()
        // Seven gaps leave ten minutes missing, all short enough to fill.
        #expect(trace.filledMinutes == 10)
        #expect(trace.startLabel == "1998-04-30 21:30:00")

        let at = { (label: String) in trace.requests(at: TracePeriod(label: label)!) }
        #expect(abs(try #require(at("1998-05-12 06:37:00")) - 1_250) < 10)
        #expect(at("1998-05-12 06:40:00") == 57_509)
        #expect(at("1998-05-12 06:31:00") == 11_432)

        let window = try trace.window(from: "1998-05-12 06:00:00", to: "1998-05-12 07:30:00")
        #expect(window.requestsPerMinute.count == 90)
        let peak = try #require(try window.requestsPerSecond(scaledBy: .factor(2.2)).max())
        #expect(abs(peak - 57_509 * 2.2 / 60) < 1e-9)
        #expect(abs(peak - 2_100) < 50)
    }

    @Test(.enabled(if: tracesFound)) func traceScenariosLoad() throws {
        let crowd = try ScenarioCatalog.scenario(named: "worldcup98-flash-crowd")
        #expect(crowd.load.duration == 90 * 60)
        #expect(!crowd.startsCold)

        let matchDay = try ScenarioCatalog.scenario(named: "worldcup98-match-day")
        #expect(matchDay.load.duration == 1_440 * 60)
        #expect(abs(matchDay.load.maximumRequestsPerSecond(from: 0, to: matchDay.load.duration) - 2_400) < 1e-9)

        let azure = try ScenarioCatalog.scenario(named: "azure-spike-day")
        #expect(azure.tuningOnly)
        #expect(azure.load.duration == 1_440 * 60)
        let rates = (0..<1_440).map { azure.load.requestsPerSecond(at: Double($0) * 60) }.sorted()
        #expect(abs((rates[719] + rates[720]) / 2 - 60) < 1e-9)
    }
}
