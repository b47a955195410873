import Foundation
import HTTPTransport
import TestSupport
import Testing

@Suite(.serialized)
struct CurlHTTPClientTests {
    @Test func getReturnsStatusHeadersAndBody() async throws {
        let server = try LoopbackHTTPServer { _ in
            CannedResponse(status: 200, headers: [("X-Answer", "42")], body: "hello")
        }
        defer { server.stop() }
        let client = try CurlHTTPClient(
            configuration: TransportConfiguration(
                credentials: StaticBearerToken("abc"),
                extraHeaders: [HTTPHeader("X-Scope-OrgID", "tenant-1")]
            )
        )

        let response = try await client.send(
            HTTPRequest(method: .get, url: server.baseURL + "/path?q=1", headers: [HTTPHeader("Accept", "text/plain")])
        )

        #expect(response.status == 200)
        #expect(response.body == Data("hello".utf8))
        #expect(response.header("x-answer") == "42")
        let received = try #require(server.requests.first)
        #expect(received.method == "GET")
        #expect(received.target == "/path?q=1")
        #expect(received.header("Authorization") == "Bearer abc")
        #expect(received.header("X-Scope-OrgID") == "tenant-1")
        #expect(received.header("Accept") == "text/plain")
    }

    @Test(arguments: [HTTPMethod.post, .put, .patch])
    func bodyIsSentWithMethod(method: HTTPMethod) async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(status: 201) }
        defer { server.stop() }
        let client = try CurlHTTPClient()
        let body = Data("{\"spec\":{\"replicas\":5}}".utf8)

        let response = try await client.send(
            HTTPRequest(
                method: method,
                url: server.baseURL + "/x",
                headers: [HTTPHeader("Content-Type", "application/json")],
                body: body
            )
        )

        #expect(response.status == 201)
        let received = try #require(server.requests.first)
        #expect(received.method == method.rawValue)
        #expect(received.body == body)
        #expect(received.header("Content-Type") == "application/json")
    }

    @Test func errorStatusIsReturnedNotThrown() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(status: 404, body: "no such thing") }
        defer { server.stop() }
        let client = try CurlHTTPClient()

        let response = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/missing"))

        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "no such thing")
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(body: "ok") }
        defer { server.stop() }
        let client = try CurlHTTPClient()

        for _ in 0..<10 {
            let response = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/"))
            #expect(response.status == 200)
        }

        #expect(server.requests.count == 10)
        #expect(server.acceptedConnections == 1)
    }

    @Test func concurrentRequestsOverlap() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(body: "slow", delay: .milliseconds(500)) }
        defer { server.stop() }
        let client = try CurlHTTPClient(configuration: TransportConfiguration(maxConcurrentRequests: 8))
        let start = ContinuousClock.now

        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/")).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        // Eight sequential 500 ms responses would take 4 s.
        #expect(statuses == Array(repeating: 200, count: 8))
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func concurrencyCapQueuesRequests() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(delay: .milliseconds(300)) }
        defer { server.stop() }
        let client = try CurlHTTPClient(configuration: TransportConfiguration(maxConcurrentRequests: 2))
        let start = ContinuousClock.now

        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { _ = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/")) }
            }
            try await group.waitForAll()
        }

        // With two at a time, four 300 ms responses need two rounds.
        #expect(ContinuousClock.now - start >= .milliseconds(600))
        #expect(server.requests.count == 4)
    }

    @Test func manyRequestsShareCappedConnections() async throws {
        let server = try LoopbackHTTPServer { request in CannedResponse(body: request.target) }
        defer { server.stop() }
        let client = try CurlHTTPClient(configuration: TransportConfiguration(maxConcurrentRequests: 8))

        let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let response = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/\(index)"))
                    return (index, String(decoding: response.body, as: UTF8.self))
                }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }

        #expect(bodies.count == 200)
        #expect(bodies.allSatisfy { $0.value == "/\($0.key)" })
        // At most eight transfers run at once, so at most eight connections are opened.
        #expect(server.acceptedConnections <= 8)
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(delay: .seconds(20)) }
        defer { server.stop() }
        let client = try CurlHTTPClient()
        let url = server.baseURL + "/slow"
        let start = ContinuousClock.now

        let task = Task { try await client.send(HTTPRequest(method: .get, url: url)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result

        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(throws: TransportError.cancelled(url: url)) { try result.get() }
    }

    @Test func closedPortIsConnectFailure() async throws {
        let port = try freeLoopbackPort()
        let client = try CurlHTTPClient()

        let error = await #expect(throws: TransportError.self) {
            try await client.send(HTTPRequest(method: .get, url: "http://127.0.0.1:\(port)/"))
        }

        guard case .connectFailed(let url, _) = error else {
            Issue.record("expected connectFailed, got \(String(describing: error))")
            return
        }
        #expect(url == "http://127.0.0.1:\(port)/")
    }

    /// Nothing listens on a fresh free port, so the kernel responds to the SYN with a reset and
    /// connect(2) fails with ECONNREFUSED; the reason is that error number's C library text.
    @Test func closedPortNamesRefusedConnection() async throws {
        let port = try freeLoopbackPort()
        let url = "http://127.0.0.1:\(port)/api/v1/query"
        let client = try CurlHTTPClient()

        let error = await #expect(throws: TransportError.self) {
            try await client.send(HTTPRequest(method: .post, url: url))
        }

        let refused = String(cString: strerror(ECONNREFUSED))
        #expect(error == .connectFailed(url: url, reason: refused))
        #expect(
            error?.description
                == "could not connect to \(url): \(refused); check the address and that the server is up"
        )
    }

    @Test func fullAcceptQueueTimesOutConnect() async throws {
        // A listener that never accepts: once its accept queue is full, Linux drops new
        // SYNs, so the TCP handshake never completes.
        let listener = try StalledListener()
        defer { listener.close() }
        let client = try CurlHTTPClient(configuration: TransportConfiguration(connectTimeout: .milliseconds(300)))
        let url = "http://127.0.0.1:\(listener.port)/"
        let start = ContinuousClock.now

        await #expect(throws: TransportError.timedOut(url: url, after: .milliseconds(300))) {
            try await client.send(HTTPRequest(method: .get, url: url))
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func slowResponseTimesOut() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(delay: .seconds(20)) }
        defer { server.stop() }
        let client = try CurlHTTPClient()
        let url = server.baseURL + "/slow"

        await #expect(throws: TransportError.timedOut(url: url, after: .milliseconds(300))) {
            try await client.send(HTTPRequest(method: .get, url: url, timeout: .milliseconds(300)))
        }
    }

    @Test func bodyPastLimitIsAborted() async throws {
        let server = try LoopbackHTTPServer { request in
            CannedResponse(body: String(repeating: "x", count: request.target == "/large" ? 5000 : 1000))
        }
        defer { server.stop() }
        let client = try CurlHTTPClient(configuration: TransportConfiguration(maxResponseBytes: 1000))
        let url = server.baseURL + "/large"

        // 1000 bytes is exactly the limit and still arrives whole.
        let atLimit = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/exact"))
        await #expect(throws: TransportError.responseTooLarge(url: url, limit: 1000)) {
            try await client.send(HTTPRequest(method: .get, url: url))
        }

        #expect(atLimit.body.count == 1000)
        let message = "\(TransportError.responseTooLarge(url: url, limit: 1000))"
        #expect(message.contains(url))
        #expect(message.contains("1000 bytes"))
    }

    @Test func unauthorizedRetriesOnceWithReloadedToken() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let tokenPath = try directory.write("token", "old-token\n")
        let server = try LoopbackHTTPServer { request in
            if request.header("Authorization") == "Bearer new-token" {
                return CannedResponse(status: 200)
            }
            // The token rotates on disk while the old one is rejected.
            try? "new-token".write(toFile: tokenPath, atomically: true, encoding: .utf8)
            return CannedResponse(status: 401)
        }
        defer { server.stop() }
        let client = try CurlHTTPClient(
            configuration: TransportConfiguration(credentials: BearerTokenFile(path: tokenPath))
        )

        let response = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/"))

        #expect(response.status == 200)
        #expect(server.requests.map { $0.header("Authorization") } == ["Bearer old-token", "Bearer new-token"])
    }

    @Test func secondUnauthorizedIsReturned() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(status: 401, body: "denied") }
        defer { server.stop() }
        let client = try CurlHTTPClient(configuration: TransportConfiguration(credentials: StaticBearerToken("t")))

        let response = try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/"))

        #expect(response.status == 401)
        #expect(server.requests.count == 2)
    }

    @Test func invalidHeaderValueStaysOutOfError() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse() }
        defer { server.stop() }
        let client = try CurlHTTPClient(
            configuration: TransportConfiguration(credentials: StaticBearerToken("s3cr3t\nX"))
        )

        let error = await #expect(throws: TransportError.self) {
            try await client.send(HTTPRequest(method: .get, url: server.baseURL + "/"))
        }

        let text = String(describing: try #require(error))
        #expect(text.contains("Authorization"))
        #expect(!text.contains("s3cr3t"))
        #expect(server.requests.isEmpty)
    }

    @Test func userInformationIsRedactedFromErrors() async throws {
        let port = try freeLoopbackPort()
        let client = try CurlHTTPClient()

        let error = await #expect(throws: TransportError.self) {
            try await client.send(HTTPRequest(method: .get, url: "http://admin:hunter2@127.0.0.1:\(port)/"))
        }

        let text = String(describing: try #require(error))
        #expect(text.contains("127.0.0.1:\(port)"))
        #expect(!text.contains("hunter2"))
    }
}

@Suite(.serialized)
struct CurlHTTPClientShutdownTests {
    /// After `shutdown`, the transfer thread has returned and a request fails at once with a
    /// clear reason instead of waiting forever; shutting down twice and then releasing the
    /// client is harmless.
    @Test func shutdownStopsThreadAndFailsLaterRequests() async throws {
        let server = try LoopbackHTTPServer { _ in CannedResponse(status: 200, headers: [], body: "ok") }
        defer { server.stop() }
        var client: CurlHTTPClient? = try CurlHTTPClient()
        let first = try await client!.send(HTTPRequest(method: .get, url: server.baseURL + "/"))
        #expect(first.status == 200)

        #expect(client!.shutdown(waitingUpTo: .seconds(5)))
        #expect(client!.shutdown(waitingUpTo: .seconds(1)))
        do {
            _ = try await client!.send(HTTPRequest(method: .get, url: server.baseURL + "/"))
            Issue.record("a request after shutdown succeeded")
        } catch let error as TransportError {
            #expect("\(error)".contains("shut down"), "\(error)")
        }
        client = nil
    }
}
