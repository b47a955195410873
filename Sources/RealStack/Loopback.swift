import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Small blocking TCP and HTTP helpers for 127.0.0.1, used by the launchers to wait for
/// readiness and by the HAProxy runtime client.
public enum Loopback {
    /// Returns a TCP port on 127.0.0.1 that the kernel reported free a moment ago. Another
    /// process can take it before the caller binds it.
    public static func freePort() throws(RealStackError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", code: errno) }
        defer { close(fd) }
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw .system(call: "bind 127.0.0.1:0", code: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        guard named == 0 else { throw .system(call: "getsockname", code: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Connects to 127.0.0.1:`port`, sends `request`, and reads until the peer closes the
    /// connection or `timeout` passes for one read.
    public static func exchange(port: Int, request: Data, timeout: Duration = .seconds(10)) throws(RealStackError)
        -> Data
    {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", code: errno) }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        let microseconds = timeout.components.attoseconds / 1_000_000_000_000
        var interval = timeval(tv_sec: Int(seconds), tv_usec: Int(microseconds))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))

        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw .system(call: "connect 127.0.0.1:\(port)", code: errno) }

        var offset = 0
        while offset < request.count {
            let written = request.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .system(call: "send to 127.0.0.1:\(port)", code: errno)
            }
            offset += written
        }

        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    throw .timedOut("reading from 127.0.0.1:\(port) after \(timeout)")
                }
                throw .system(call: "recv from 127.0.0.1:\(port)", code: errno)
            }
            response.append(contentsOf: buffer[0..<count])
        }
        return response
    }

    /// Sends an HTTP/1.0 GET to 127.0.0.1:`port` and returns the status code and body.
    public static func get(port: Int, path: String, timeout: Duration = .seconds(10)) throws(RealStackError)
        -> (status: Int, body: String)
    {
        let request = "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        let response = String(
            decoding: try exchange(port: port, request: Data(request.utf8), timeout: timeout),
            as: UTF8.self
        )
        guard let headerEnd = response.range(of: "\r\n\r\n") else {
            throw .protocolError(
                "HTTP response from 127.0.0.1:\(port)\(path) has no header end: \(response.prefix(200))"
            )
        }
        let statusLine = response[..<headerEnd.lowerBound].prefix { $0 != "\r" }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw .protocolError("invalid HTTP status line from 127.0.0.1:\(port)\(path): \(statusLine)")
        }
        return (status, String(response[headerEnd.upperBound...]))
    }

    /// Calls `probe` every 100 ms until it returns true or `timeout` passes, and returns
    /// whether it succeeded. `probe` returning false or throwing both mean "not yet".
    public static func poll(timeout: Duration, _ probe: () throws -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if (try? probe()) == true { return true }
            if ContinuousClock.now >= deadline { return false }
            usleep(100_000)
        }
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// Creates `path` (and its parents) and, when this process runs as root and `owner` is given,
/// hands it to `owner` so that a server running as that user can write there.
func makeDirectory(_ path: String, owner: String?) throws(RealStackError) {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw .invalidArgument("cannot create directory \(path): \(error)")
    }
    guard let owner, getuid() == 0 else { return }
    guard let entry = getpwnam(owner) else {
        throw .notFound("user \(owner), which must own \(path); install the package that creates it")
    }
    guard chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
        throw .system(call: "chown \(path) to \(owner)", code: errno)
    }
}

/// Makes every file in `path` owned by `owner` when this process runs as root.
func chownFile(_ path: String, owner: String?) throws(RealStackError) {
    guard let owner, getuid() == 0 else { return }
    guard let entry = getpwnam(owner) else { throw .notFound("user \(owner)") }
    guard chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
        throw .system(call: "chown \(path) to \(owner)", code: errno)
    }
}

/// Returns the first of `candidates` that is an executable file.
func findExecutable(_ candidates: [String], purpose: String) throws(RealStackError) -> String {
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    throw .notFound("\(purpose) (looked at \(candidates.joined(separator: ", "))); install its Debian package")
}
