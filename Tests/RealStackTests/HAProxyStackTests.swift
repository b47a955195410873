import Foundation
import HTTPServer
import Synchronization
import Testing

@testable import RealStack

/// A backend that keeps every request waiting for `hold`, then returns its name as the body.
/// It counts the requests it received.
final class SlowBackend: Sendable {
    let name: String
    let server: HTTPServer
    let counter: RequestCounter

    init(name: String, hold: Duration) throws {
        self.name = name
        let box = RequestCounter()
        server = try HTTPServer(
            address: "127.0.0.1",
            port: 0,
            synchronousHandler: { _ in
                box.count.add(1, ordering: .sequentiallyConsistent)
                usleep(UInt32(hold.components.seconds * 1_000_000 + hold.components.attoseconds / 1_000_000_000_000))
                return .text(200, name)
            }
        )
        self.counter = box
    }

    var served: Int { counter.count.load(ordering: .sequentiallyConsistent) }
}

final class RequestCounter: Sendable {
    let count = Atomic(0)
}

/// HAProxy with servers added, drained and deleted at run time, its queue read through the
/// runtime API and its exporter, and its queue timeout. An extension of `RealStackTests`, so
/// that these tests also run one at a time with the other server tests.
extension RealStackTests {
    static func startHAProxy(_ scratch: ScratchDirectory, _ name: String, queueTimeout: Duration) throws
        -> HAProxyServer
    {
        try HAProxyServer.start(
            directory: scratch.sub(name),
            frontendPort: try Loopback.freePort(),
            statsPort: try Loopback.freePort(),
            runtimePort: try Loopback.freePort(),
            backend: "fleet",
            serverMaxConn: 1,
            slowstart: 1,
            queueTimeout: queueTimeout,
            frontendMaxConn: 100
        )
    }

    /// Sends `count` GET requests at once through the frontend; returns (status, body) or nil.
    static func burst(_ count: Int, port: Int) -> [(status: Int, body: String)?] {
        runConcurrently(count, timeout: .seconds(30)) { _ in
            try? Loopback.get(port: port, path: "/", timeout: .seconds(20))
        }.map { $0 ?? nil }
    }

    /// Two backends holding each request 1 s with maxconn 1 serve two requests at a time, so of
    /// six concurrent requests four wait in HAProxy's queue during the first second, and the
    /// batch takes 6 / 2 × 1 s = 3 s.
    @Test func queueBuildsAndExporterAgrees() throws {
        let scratch = try ScratchDirectory("haproxy-queue")
        defer { scratch.remove() }
        let haproxy = try Self.startHAProxy(scratch, "haproxy", queueTimeout: .seconds(20))
        defer { haproxy.stop() }
        let a = try SlowBackend(name: "a", hold: .seconds(1))
        let b = try SlowBackend(name: "b", hold: .seconds(1))
        defer {
            a.server.stop()
            b.server.stop()
        }
        try haproxy.runtime.addServer(name: "a", port: a.server.port)
        try haproxy.runtime.addServer(name: "b", port: b.server.port)
        // Past the 1 s slowstart, both servers take their full share.
        usleep(1_200_000)

        let start = ContinuousClock.now
        let results = Mutex<[(status: Int, body: String)?]>([])
        let load = Thread {
            let outcome = Self.burst(6, port: haproxy.frontendPort)
            results.withLock { $0 = outcome }
        }
        load.start()
        var maxQueue = 0
        var agreed: (runtime: Int, exporter: Double)?
        while results.withLock({ $0.isEmpty }) && ContinuousClock.now - start < .seconds(20) {
            let before = try haproxy.runtime.backendQueue()
            let metrics = try haproxy.scrapeMetrics()
            let after = try haproxy.runtime.backendQueue()
            maxQueue = max(maxQueue, before, after)
            // The queue changes once a second; a reading bracketed by equal runtime readings
            // is compared with the exporter's.
            if before == after, before > 0, agreed == nil {
                let exported = PrometheusText.value(
                    of: "haproxy_backend_current_queue",
                    labels: ["proxy": "fleet"],
                    in: metrics
                )
                agreed = (before, exported ?? -1)
            }
            usleep(50_000)
        }
        let elapsed = ContinuousClock.now - start
        let responses = results.withLock { $0 }
        #expect(responses.count == 6)
        #expect(responses.allSatisfy { $0?.status == 200 }, "responses: \(responses)")
        #expect(a.served + b.served == 6)
        #expect(maxQueue == 4)
        let pair = try #require(agreed, "no stable non-empty queue reading")
        #expect(Double(pair.runtime) == pair.exporter)
        #expect(elapsed >= .milliseconds(2900), "6 requests over 2 × maxconn 1 took only \(elapsed)")

        haproxy.stop()
        expectAllGone([haproxy.process])
    }

    /// Servers added, drained and deleted at run time: traffic reaches only enabled servers,
    /// and a server with a session in flight cannot be deleted until it drains.
    @Test func runtimeAddDrainDelete() throws {
        let scratch = try ScratchDirectory("haproxy-runtime")
        defer { scratch.remove() }
        let haproxy = try Self.startHAProxy(scratch, "haproxy", queueTimeout: .seconds(20))
        defer { haproxy.stop() }
        let a = try SlowBackend(name: "a", hold: .milliseconds(600))
        let b = try SlowBackend(name: "b", hold: .milliseconds(600))
        let c = try SlowBackend(name: "c", hold: .milliseconds(1500))
        defer {
            for backend in [a, b, c] { backend.server.stop() }
        }
        let runtime = haproxy.runtime
        try runtime.addServer(name: "a", port: a.server.port)
        try runtime.addServer(name: "b", port: b.server.port)
        #expect(throws: RealStackError.self) { try runtime.addServer(name: "a", port: a.server.port) }
        usleep(1_200_000)

        // b in maintenance: two concurrent requests both go to a, one after the other.
        try runtime.drainServer(name: "b")
        let drained = Self.burst(2, port: haproxy.frontendPort)
        #expect(drained.map { $0?.body } == ["a", "a"])
        #expect(b.served == 0)

        // HAProxy's own rule: a server must be in maintenance before `del server`.
        try runtime.addServer(name: "c", port: c.server.port)
        // Slowstart: right after enabling, c runs at a fraction of its weight (show stat's
        // throttle column, in percent), and HAProxy leaves the column empty once at full weight.
        let throttle = try runtime.servers().first { $0.service == "c" }?.fields["throttle"] ?? ""
        #expect((0..<100).contains(Int(throttle) ?? -1), "throttle of c right after enable: '\(throttle)'")
        let refusedActive = try runtime.send("del server fleet/c")
        #expect(refusedActive.contains("Only servers in maintenance mode can be deleted"))
        try runtime.deleteServer(name: "b")
        #expect(try runtime.servers().map(\.service).sorted() == ["a", "c"])
        usleep(1_200_000)
        #expect(try runtime.servers().first { $0.service == "c" }?.fields["throttle"] == "")

        // Four concurrent requests with a and c enabled at maxconn 1: whenever a is busy the
        // next request goes to c, so c serves at least one and b none.
        let spread = Self.burst(4, port: haproxy.frontendPort).compactMap { $0?.body }
        #expect(spread.count == 4)
        #expect(spread.allSatisfy { $0 == "a" || $0 == "c" }, "bodies: \(spread)")
        #expect(spread.contains("c"))
        #expect(b.served == 0)

        // A request in flight on c, the only enabled server: after draining c, the delete is
        // rejected until that request ends.
        try runtime.drainServer(name: "a")
        let inFlight = Thread { _ = Self.burst(1, port: haproxy.frontendPort) }
        inFlight.start()
        let busy = Loopback.poll(timeout: .seconds(5)) { try runtime.serverSessions(name: "c") > 0 }
        try #require(busy, "no session reached c")
        try runtime.drainServer(name: "c")
        #expect(throws: RealStackError.serverBusy(server: "fleet/c", sessions: 1)) {
            try runtime.deleteServer(name: "c")
        }
        let rawRefusal = try runtime.send("del server fleet/c")
        // HAProxy 2.6.12's own reply to deleting a drained server with a session in flight.
        #expect(rawRefusal.contains("Server still has connections attached to it"), "reply: \(rawRefusal)")
        let idle = Loopback.poll(timeout: .seconds(5)) { try runtime.serverSessions(name: "c") == 0 }
        #expect(idle)
        try runtime.deleteServer(name: "c")
        #expect(try runtime.servers().map(\.service) == ["a"])
        #expect(throws: RealStackError.self) { try runtime.serverSessions(name: "c") }
        // 2 requests while b was drained, 4 spread, 1 during the drain of c.
        #expect(a.served + c.served == 7)

        // a back from maintenance serves again.
        try runtime.enableServer(name: "a")
        let after = Self.burst(1, port: haproxy.frontendPort)
        #expect(after.map { $0?.body } == ["a"])

        haproxy.stop()
        expectAllGone([haproxy.process])
    }

    /// One server at maxconn 1 keeps each request for 1 s, and the queue timeout is 300 ms. Of
    /// three concurrent requests one is served, and two wait past the timeout and get HAProxy's
    /// 503. The exporter counts them as two 5xx responses of the backend.
    @Test func queueTimeoutYields503() throws {
        let scratch = try ScratchDirectory("haproxy-timeout")
        defer { scratch.remove() }
        let haproxy = try Self.startHAProxy(scratch, "haproxy", queueTimeout: .milliseconds(300))
        defer { haproxy.stop() }
        let a = try SlowBackend(name: "a", hold: .seconds(1))
        defer { a.server.stop() }
        try haproxy.runtime.addServer(name: "a", port: a.server.port)
        usleep(1_200_000)

        let responses = Self.burst(3, port: haproxy.frontendPort)
        let statuses = responses.map { $0?.status ?? -1 }.sorted()
        #expect(statuses == [200, 503, 503])
        #expect(a.served == 1)
        let metrics = try haproxy.scrapeMetrics()
        let fiveHundreds = PrometheusText.value(
            of: "haproxy_backend_http_responses_total",
            labels: ["proxy": "fleet", "code": "5xx"],
            in: metrics
        )
        #expect(fiveHundreds == 2)

        haproxy.stop()
        expectAllGone([haproxy.process])
    }
}
