import HTTPServer
import HTTPTransport
import Testing

/// `HTTPServer` on the IPv6 loopback address, as `--metrics-address [::1]:PORT` uses it.
@Suite(.serialized) struct HTTPServerIPv6Tests {
    @Test func servesOnIPv6Loopback() async throws {
        let server = try HTTPServer(address: "::1", port: 0, synchronousHandler: { _ in .text(200, "ok\n") })
        defer { server.stop() }

        let response = try await CurlHTTPClient().send(HTTPRequest(method: .get, url: server.baseURL + "/healthz"))

        #expect(server.port > 0)
        #expect(server.baseURL == "http://[::1]:\(server.port)")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "ok\n")
    }
}
