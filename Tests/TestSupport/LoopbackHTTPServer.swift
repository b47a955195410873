import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A request received by `LoopbackHTTPServer`.
public struct ReceivedRequest: Sendable {
    public var method: String
    /// The request target: path and query, as sent.
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: Data

    /// The value of the first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A response for `LoopbackHTTPServer` to send, after `delay` if one is given.
public struct CannedResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data
    public var delay: Duration?

    public init(
        status: Int = 200,
        headers: [(name: String, value: String)] = [],
        body: String = "",
        delay: Duration? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = Data(body.utf8)
        self.delay = delay
    }
}

/// A small HTTP/1.1 server on 127.0.0.1 for tests: one thread per connection, keep-alive,
/// `Content-Length` bodies only. The kernel picks the port, so servers never collide.
/// It counts accepted connections and records requests. Call `stop()` when done.
public final class LoopbackHTTPServer: Sendable {
    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (ReceivedRequest) -> CannedResponse
    private let state = Mutex<(requests: [ReceivedRequest], connections: [Int32], accepted: Int)>(
        ([], [], 0)
    )
    private let stopped = Atomic<Bool>(false)

    public init(handler: @escaping @Sendable (ReceivedRequest) -> CannedResponse) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError.system("socket", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0, listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw TestSupportError.system("bind/listen", code)
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        self.handler = handler
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Every request received so far, in arrival order.
    public var requests: [ReceivedRequest] { state.withLock { $0.requests } }
    /// How many TCP connections the server has accepted.
    public var acceptedConnections: Int { state.withLock { $0.accepted } }
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting, closes open connections and abandons pending delays.
    public func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        for connection in state.withLock({ $0.connections }) {
            shutdown(connection, Int32(SHUT_RDWR))
        }
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { break }
            state.withLock {
                $0.connections.append(connection)
                $0.accepted += 1
            }
            Thread.detachNewThread { [self] in serve(connection) }
        }
        close(listener)
    }

    private func serve(_ connection: Int32) {
        var buffer = Data()
        while !stopped.load(ordering: .sequentiallyConsistent),
            let request = readRequest(connection, &buffer)
        {
            state.withLock { $0.requests.append(request) }
            let response = handler(request)
            if let delay = response.delay, !wait(delay) { break }
            guard write(response, to: connection) else { break }
        }
        state.withLock { $0.connections.removeAll { $0 == connection } }
        close(connection)
    }

    /// Waits `delay` in short steps and returns false if the server stopped meanwhile.
    private func wait(_ delay: Duration) -> Bool {
        let deadline = ContinuousClock.now + delay
        while ContinuousClock.now < deadline {
            if stopped.load(ordering: .sequentiallyConsistent) { return false }
            usleep(10_000)
        }
        return true
    }

    private func readRequest(_ connection: Int32, _ buffer: inout Data) -> ReceivedRequest? {
        let separator = Data("\r\n\r\n".utf8)
        while buffer.range(of: separator) == nil {
            guard receive(connection, into: &buffer) else { return nil }
        }
        guard let end = buffer.range(of: separator) else { return nil }
        let head = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
        buffer.removeSubrange(buffer.startIndex..<end.upperBound)

        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return (String(line[..<colon]), value)
        }
        var request = ReceivedRequest(
            method: String(requestLine[0]),
            target: String(requestLine[1]),
            headers: headers,
            body: Data()
        )
        let length = Int(request.header("Content-Length") ?? "0") ?? 0
        while buffer.count < length {
            guard receive(connection, into: &buffer) else { return nil }
        }
        request.body = Data(buffer.prefix(length))
        buffer.removeFirst(length)
        return request
    }

    private func receive(_ connection: Int32, into buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(connection, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func write(_ response: CannedResponse, to connection: Int32) -> Bool {
        var head = "HTTP/1.1 \(response.status) Status\r\nContent-Length: \(response.body.count)\r\n"
        for header in response.headers {
            head += "\(header.name): \(header.value)\r\n"
        }
        var bytes = Data((head + "\r\n").utf8)
        bytes.append(response.body)
        return bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = send(connection, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }
}
