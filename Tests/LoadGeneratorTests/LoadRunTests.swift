import Foundation
import HTTPServer
import Synchronization
import TestSupport
import Testing

@testable import LoadGenerator

/// A loopback server that stores each request's arrival time on the run's clock and responds
/// after a fixed delay, with 503 for every `failEvery`-th request when set.
final class RecordingServer: Sendable {
    let server: HTTPServer
    private let log: ArrivalLog

    init(delay: Double, failEvery: Int? = nil) throws {
        let log = ArrivalLog()
        self.log = log
        server = try HTTPServer(connectionTimeout: 30) { request in
            let number = log.append(monotonicNanoseconds(), request)
            usleep(UInt32(delay * 1_000_000))
            if let failEvery, number % failEvery == 0 {
                return .text(503, "unavailable")
            }
            return .json(request.method == "POST" ? 201 : 200, Data("{}".utf8))
        }
    }

    /// Arrival times in seconds after `start`, ascending.
    func arrivalSeconds(after start: UInt64) -> [Double] {
        log.times().map { Double(Int64(bitPattern: $0 &- start)) / 1e9 }.sorted()
    }

    func requests() -> [ServerRequest] { log.requests() }

    func stop() { server.stop() }
}

/// Arrival times in nanoseconds, in the order the server stored them.
final class ArrivalLog: Sendable {
    private let arrivals = Mutex<[(time: UInt64, request: ServerRequest)]>([])

    /// Stores `request` and its arrival `time`, and returns how many arrivals there are now.
    func append(_ time: UInt64, _ request: ServerRequest) -> Int {
        arrivals.withLock { list in
            list.append((time, request))
            return list.count
        }
    }

    func times() -> [UInt64] { arrivals.withLock { $0.map(\.time) } }

    func requests() -> [ServerRequest] { arrivals.withLock { $0.map(\.request) } }
}

/// Runs against real loopback servers, one at a time because each opens many connections.
@Suite(.serialized) struct LoadRunTests {
    private func configuration(_ server: RecordingServer, maxConnections: Int = 200) -> LoadRunConfiguration {
        LoadRunConfiguration(
            url: server.server.baseURL,
            writeRatio: 0.1,
            items: 100,
            timeout: 5,
            maxConnections: maxConnections,
            seed: 3
        )
    }

    @Test func sendsOnScheduleAndCountsStatuses() throws {
        // 20/s for 2 s is 40 requests; a 50 ms delay keeps at most a few in flight.
        let delay = 0.05
        let server = try RecordingServer(delay: delay, failEvery: 4)
        defer { server.stop() }
        let schedule = ArrivalSchedule(segments: [.constant(20, for: 1), .constant(20, for: 1)])
        let driver = try LoadDriver(configuration: configuration(server))

        let result = driver.run(schedule: schedule)

        let arrivals = server.arrivalSeconds(after: result.startNanoseconds)
        let due = schedule.allTimes()
        try #require(arrivals.count == 40)
        for (arrival, time) in zip(arrivals, due) {
            // Not before the due time, and within 250 ms after it: a loopback connect and a
            // wakeup take about 1 ms, and the rest allows for a busy shared machine.
            #expect(arrival >= time, "arrived at \(arrival), due at \(time)")
            #expect(arrival <= time + 0.25, "arrived at \(arrival), due at \(time)")
        }
        // Every 4th of 40 arrivals gets 503: 10 of them; the rest succeed.
        #expect(result.summary.status5xx == 10)
        #expect(result.summary.status2xx == 30)
        #expect(result.summary.errors == 0)
        #expect(result.summary.onTime == 40)
        #expect(result.summary.valid)
        let p50 = try #require(result.summary.p50)
        #expect(p50 >= delay)
        #expect(result.records.map(\.scheduled) == [20, 20])
    }

    @Test func requestsFollowSeededMix() throws {
        // 40 requests with write ratio 0.5 over 5 items. The expected number of writes comes
        // from drawing the same seed through RequestMix directly.
        let server = try RecordingServer(delay: 0)
        defer { server.stop() }
        let schedule = ArrivalSchedule(segments: [.constant(40, for: 1)])
        var settings = configuration(server)
        settings.writeRatio = 0.5
        settings.items = 5
        let driver = try LoadDriver(configuration: settings)
        var mix = RequestMix(seed: settings.seed, writeRatio: 0.5, items: 5)
        let expectedWrites = (0..<40).filter { _ in mix.next() == .write }.count

        let result = driver.run(schedule: schedule)

        let requests = server.requests()
        try #require(requests.count == 40)
        let writes = requests.filter { $0.method == "POST" }
        #expect(writes.count == expectedWrites)
        #expect(result.summary.status2xx == 40)
        for write in writes {
            #expect(write.path == "/items/articles")
            #expect(write.header("Content-Type") == "application/json")
            let body = try #require(try JSONSerialization.jsonObject(with: write.body) as? [String: String])
            #expect(body["title"]?.hasPrefix("t") == true)
            #expect(body["body"] != nil)
        }
        for read in requests where read.method != "POST" {
            #expect(read.method == "GET")
            let id = Int(read.path.dropFirst("/items/articles/".count))
            #expect(read.path.hasPrefix("/items/articles/"))
            #expect(id.map { (1...5).contains($0) } == true, "path \(read.path)")
        }
    }

    @Test func slowServerDoesNotSlowSends() throws {
        // Open loop: 50/s for 3 s against a server that delays each response 2 s. A closed loop
        // would stall. Here all 150 requests still arrive on time, and every latency, measured
        // from the due time, is at least the 2 s delay.
        let server = try RecordingServer(delay: 2)
        defer { server.stop() }
        let schedule = ArrivalSchedule(segments: (0..<3).map { _ in .constant(50, for: 1) })
        let driver = try LoadDriver(configuration: configuration(server))

        let result = driver.run(schedule: schedule)

        let arrivals = server.arrivalSeconds(after: result.startNanoseconds)
        let due = schedule.allTimes()
        try #require(arrivals.count == 150)
        var worstLag = 0.0
        for (arrival, time) in zip(arrivals, due) {
            #expect(arrival >= time, "arrived at \(arrival), due at \(time)")
            worstLag = max(worstLag, arrival - time)
        }
        #expect(worstLag < 0.25)
        #expect(result.summary.status2xx == 150)
        let fastest = try #require(result.records.compactMap { $0.latencies.min() }.min())
        #expect(fastest >= 2)
        // At the end of wall second 1 (t = 2 s) the 100 requests due in (0, 2] are in flight, and
        // the first of them finishes at 2.02 s. A late wakeup may see up to ten finish or one unsent.
        let inflight = try #require(result.records[1].inflight)
        #expect((90...100).contains(inflight))
    }

    @Test func connectionLimitMakesRunInvalid() throws {
        // 10/s for 2 s through one connection to a server that takes 0.5 s per request: request
        // k is sent at about 0.1 + 0.5(k − 1), which is more than 1 s after its due time 0.1k
        // from k = 4 on, so exactly 3 of the 20 go on time (ratio 0.15).
        let server = try RecordingServer(delay: 0.5)
        defer { server.stop() }
        let directory = try TemporaryDirectory(prefix: "load-invalid")
        defer { directory.remove() }
        let rates = try directory.write("rates.csv", "second,rate\n0,10\n1,10\n")

        let result = try runCommand(
            try Self.executable(),
            [
                "--url", server.server.baseURL, "--rates", rates, "--max-connections", "1", "--timeout", "1s",
                "--out", directory.file("timeline.jsonl"), "--summary", directory.file("summary.json"),
            ],
            timeout: .seconds(20)
        )

        #expect(result.status == 3, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("0.95"))
        let summary = try String(contentsOfFile: directory.file("summary.json"), encoding: .utf8)
        #expect(summary.contains("\"onTime\": 3,"))
        #expect(summary.contains("\"scheduled\": 20,"))
        #expect(summary.contains("\"valid\": false"))
        let lines = try String(contentsOfFile: directory.file("timeline.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 2)
    }

    @Test func sigtermWritesSummaryAndStops() throws {
        // 20/s for 30 s, stopped by SIGTERM after the first timeline second. Every request due
        // before the stop reaches a fast server on time, so the stopped run is valid.
        let server = try RecordingServer(delay: 0.01)
        defer { server.stop() }
        let directory = try TemporaryDirectory(prefix: "load-sigterm")
        defer { directory.remove() }
        let rates = try directory.write("rates.csv", "second,rate\n" + (0..<30).map { "\($0),20\n" }.joined())
        let timeline = directory.file("timeline.jsonl")
        let child = try ChildProcess(
            executable: try Self.executable(),
            arguments: [
                "--url", server.server.baseURL, "--rates", rates, "--timeout", "1s", "--out", timeline,
                "--summary", directory.file("summary.json"),
            ],
            logPrefix: directory.file("load")
        )
        defer { child.terminate(grace: .seconds(2)) }
        let deadline = ContinuousClock.now + .seconds(10)
        while child.isRunning, ContinuousClock.now < deadline,
            (try? String(contentsOfFile: timeline, encoding: .utf8))?.isEmpty ?? true
        {
            usleep(20_000)
        }

        kill(child.process.processIdentifier, SIGTERM)
        let stopDeadline = ContinuousClock.now + .seconds(10)
        while child.isRunning && ContinuousClock.now < stopDeadline { usleep(20_000) }

        try #require(!child.isRunning)
        #expect(child.process.terminationStatus == 0, "stderr: \(child.stderr())")
        let data = try Data(contentsOf: URL(fileURLWithPath: directory.file("summary.json")))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(summary["interrupted"] as? Bool == true)
        let scheduled = try #require(summary["scheduled"] as? Int)
        // Stopped after 1 s and well before the schedule's end: 20 to 599 requests were due.
        #expect((20..<600).contains(scheduled))
        #expect(summary["onTime"] as? Int == scheduled)
        // The timeline ends at the stop: ⌈stop⌉ seconds, where 20·stop rounds down to scheduled.
        let lines = try String(contentsOfFile: timeline, encoding: .utf8).split(separator: "\n").count
        let fullSeconds = (scheduled + 19) / 20
        #expect(lines == fullSeconds || lines == fullSeconds + 1, "\(lines) lines for \(scheduled) requests")
    }

    @Test func binaryFlagErrorsExitTwo() throws {
        let directory = try TemporaryDirectory(prefix: "load-flags")
        defer { directory.remove() }
        let rates = try directory.write("rates.csv", "second,rate\n0,5\nzero,5\n")
        let output = ["--out", directory.file("t.jsonl"), "--summary", directory.file("s.json")]
        let cases: [(arguments: [String], expected: String)] = [
            (["--url", "http://192.168.1.5:80", "--rates", rates] + output, "--url \"http://192.168.1.5:80\""),
            (["--url", "http://127.0.0.1:1", "--rates", rates, "--summary", "s.json"], "--out"),
            (["--url", "http://127.0.0.1:1", "--rates", rates] + output, "line 3 \"zero,5\""),
        ]
        for (arguments, expected) in cases {
            let result = try runCommand(try Self.executable(), arguments, timeout: .seconds(10))
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }

    static func executable() throws -> String {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.appendingPathComponent("headroom-load"),
            bundle.deletingLastPathComponent().appendingPathComponent("headroom-load"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("headroom-load"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw TestSupportError.notFound("headroom-load next to \(bundle.path); run swift build --build-tests")
    }
}
