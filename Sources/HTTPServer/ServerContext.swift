import CMicroHTTPD
import Foundation
import Synchronization

/// How a server calls its handler.
enum HandlerDispatch: Sendable {
    case async(HTTPServer.AsyncHandler)
    case sync(HTTPServer.SyncHandler)
}

/// What the C callbacks reach through libmicrohttpd's handler context pointer.
final class ServerContext: Sendable {
    let dispatch: HandlerDispatch
    let maxBodyBytes: Int
    /// The executor of async handler tasks, off the cooperative pool.
    let executor = HandlerExecutor()
    /// Called with each request that the server rejects before the handler, such as 413.
    let rejectionObserver = Mutex<HTTPServer.RejectionObserver?>(nil)

    init(dispatch: HandlerDispatch, maxBodyBytes: Int) {
        self.dispatch = dispatch
        self.maxBodyBytes = maxBodyBytes
    }

    /// Runs the handler and blocks the calling connection thread until it returns.
    func respond(to request: ServerRequest) -> ServerResponse {
        switch dispatch {
        case .sync(let handler):
            return handler(request)
        case .async(let handler):
            let result = ResponseSlot()
            let done = DispatchSemaphore(value: 0)
            Task.detached(executorPreference: executor) {
                result.response = await handler(request)
                done.signal()
            }
            done.wait()
            return result.response ?? ServerResponse(status: 500)
        }
    }
}

/// Carries a response from the handler task to the waiting connection thread. The semaphore
/// orders the write before the read.
private final class ResponseSlot: @unchecked Sendable {
    var response: ServerResponse?
}

/// The body collected for one request, kept in libmicrohttpd's per-request pointer.
final class RequestState {
    var body = Data()
    var tooLarge = false
}

/// Collects key/value pairs from `MHD_get_connection_values`.
final class PairCollector {
    var pairs: [(name: String, value: String)] = []
}

/// Converts an IP literal and port into a `sockaddr` for the duration of `body`.
enum SocketAddress {
    static func withSockaddr<Result>(
        address: String,
        port: Int,
        _ body: (UnsafePointer<sockaddr>) -> Result
    ) throws -> Result {
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, address, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            return withUnsafePointer(to: &v4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body)
            }
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, address, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
            return withUnsafePointer(to: &v6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body)
            }
        }
        throw HTTPServerError.invalidAddress(address)
    }
}
