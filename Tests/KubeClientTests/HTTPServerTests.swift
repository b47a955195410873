import Foundation
import HTTPServer
import HTTPTransport
import Synchronization
import Testing

@Suite(.serialized) struct HTTPServerTests {
    /// Keeps the last request a handler saw.
    final class RequestLog: Sendable {
        let last = Mutex<ServerRequest?>(nil)
    }

    @Test func requestPartsReachHandler() async throws {
        let log = RequestLog()
        let server = try HTTPServer { request in
            log.last.withLock { $0 = request }
            return ServerResponse(
                status: 201,
                headers: [("Content-Type", "text/plain"), ("X-Echo", request.header("x-test") ?? "")],
                body: request.body
            )
        }
        defer { server.stop() }
        let http = try CurlHTTPClient()

        let response = try await http.send(
            HTTPRequest(
                method: .post,
                url: server.baseURL + "/things/a%20b?name=first&flag&name=second",
                headers: [HTTPHeader("X-Test", "hello")],
                body: Data("payload".utf8)
            )
        )

        #expect(server.port > 0)
        #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
        #expect(response.status == 201)
        #expect(response.header("X-Echo") == "hello")
        #expect(String(decoding: response.body, as: UTF8.self) == "payload")
        let request = try #require(log.last.withLock { $0 })
        #expect(request.method == "POST")
        #expect(request.path == "/things/a b")
        #expect(request.query.map(\.name) == ["name", "flag", "name"])
        #expect(request.query.map(\.value) == ["first", "", "second"])
        #expect(request.queryValue("name") == "first")
    }

    @Test func synchronousHandlerServes() async throws {
        let server = try HTTPServer(synchronousHandler: { request in .text(200, "path \(request.path)\n") })
        defer { server.stop() }

        let response = try await CurlHTTPClient().send(HTTPRequest(method: .get, url: server.baseURL + "/healthz"))

        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "path /healthz\n")
        #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
    }

    @Test func oversizedBodyRejected() async throws {
        let server = try HTTPServer(maxBodyBytes: 10) { _ in .text(200, "handled") }
        defer { server.stop() }

        let response = try await CurlHTTPClient().send(
            HTTPRequest(method: .put, url: server.baseURL + "/", body: Data(repeating: 65, count: 11))
        )

        #expect(response.status == 413)
    }

    @Test func takenPortFailsToStart() throws {
        let first = try HTTPServer { _ in .text(200, "") }
        defer { first.stop() }

        #expect(throws: HTTPServerError.self) {
            try HTTPServer(port: first.port) { _ in .text(200, "") }
        }
    }

    @Test func invalidAddressRejected() {
        #expect(throws: HTTPServerError.self) {
            try HTTPServer(address: "localhost") { _ in .text(200, "") }
        }
    }
}
