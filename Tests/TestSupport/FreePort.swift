import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
///
/// The kernel picks the port by binding to port 0. Another process can take it before the
/// caller binds it, so servers started on it are retried on failure (`ChildProcess`).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError.system("socket", errno) }
    defer { close(fd) }

    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { throw TestSupportError.system("bind", errno) }

    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getsockname(fd, $0, &length)
        }
    }
    guard named == 0 else { throw TestSupportError.system("getsockname", errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

public enum TestSupportError: Error, CustomStringConvertible {
    case system(String, Int32)
    case notFound(String)
    case timedOut(String)
    case failed(String)

    public var description: String {
        switch self {
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        case .notFound(let what): "not found: \(what)"
        case .timedOut(let what): "timed out: \(what)"
        case .failed(let what): what
        }
    }
}
