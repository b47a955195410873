import CMicroHTTPD
import Foundation
import Synchronization

/// An HTTP or HTTPS server on libmicrohttpd that hands each complete request to a handler.
///
/// Every connection gets its own libmicrohttpd thread, so a handler that waits (for a held
/// request or added latency) delays only its own connection. Call `stop()` before dropping
/// the server; it waits for requests in flight to finish.
public final class HTTPServer: Sendable {
    /// A handler that may suspend. It runs in a task while the connection thread waits.
    public typealias AsyncHandler = @Sendable (ServerRequest) async -> ServerResponse
    /// A handler that runs directly on the connection thread.
    public typealias SyncHandler = @Sendable (ServerRequest) -> ServerResponse
    /// Receives a request the server rejected without calling the handler (its body left
    /// out), with the response sent. It runs on the connection thread.
    public typealias RejectionObserver = @Sendable (ServerRequest, ServerResponse) -> Void

    /// The address the server listens on, such as `127.0.0.1`.
    public let address: String
    /// The port the server listens on (the kernel's pick when started with port 0).
    public let port: Int
    public let isTLS: Bool

    private let context: ServerContext
    private let daemon: Mutex<DaemonHandle?>

    /// Starts serving on `address` and `port` (0 picks a free port, read back from `port`).
    ///
    /// - Parameters:
    ///   - tls: certificate and key PEM text; `nil` serves plain HTTP.
    ///   - maxBodyBytes: larger request bodies get 413 without reaching the handler.
    ///   - connectionTimeout: idle connections close after this many seconds.
    public convenience init(
        address: String = "127.0.0.1",
        port: Int = 0,
        tls: ServerTLS? = nil,
        maxBodyBytes: Int = 16 << 20,
        connectionTimeout: Int = 60,
        handler: @escaping AsyncHandler
    ) throws {
        try self.init(
            address: address,
            port: port,
            tls: tls,
            maxBodyBytes: maxBodyBytes,
            connectionTimeout: connectionTimeout,
            dispatch: .async(handler)
        )
    }

    /// Starts serving with a handler that runs on the connection thread.
    public convenience init(
        address: String = "127.0.0.1",
        port: Int = 0,
        tls: ServerTLS? = nil,
        maxBodyBytes: Int = 16 << 20,
        connectionTimeout: Int = 60,
        synchronousHandler: @escaping SyncHandler
    ) throws {
        try self.init(
            address: address,
            port: port,
            tls: tls,
            maxBodyBytes: maxBodyBytes,
            connectionTimeout: connectionTimeout,
            dispatch: .sync(synchronousHandler)
        )
    }

    private init(
        address: String,
        port: Int,
        tls: ServerTLS?,
        maxBodyBytes: Int,
        connectionTimeout: Int,
        dispatch: HandlerDispatch
    ) throws {
        guard (0...65535).contains(port) else {
            throw HTTPServerError.startFailed(address: address, port: port, tls: tls != nil)
        }
        let context = ServerContext(dispatch: dispatch, maxBodyBytes: maxBodyBytes)
        let started = try SocketAddress.withSockaddr(address: address, port: port) { sockaddr in
            startDaemon(
                sockaddr: sockaddr,
                context: context,
                tls: tls,
                connectionTimeout: connectionTimeout
            )
        }
        guard let started else {
            throw HTTPServerError.startFailed(address: address, port: port, tls: tls != nil)
        }
        let boundPort = Int(headroom_mhd_bound_port(started))
        guard boundPort != 0 else {
            MHD_stop_daemon(started)
            throw HTTPServerError.portUnknown(address: address)
        }
        self.address = address
        self.port = boundPort
        self.isTLS = tls != nil
        self.context = context
        self.daemon = Mutex(DaemonHandle(pointer: started))
    }

    /// The base URL, such as `https://127.0.0.1:6443`.
    public var baseURL: String {
        let host = address.contains(":") ? "[\(address)]" : address
        return "\(isTLS ? "https" : "http")://\(host):\(port)"
    }

    /// Sets the observer of requests rejected before the handler, such as bodies larger than
    /// `maxBodyBytes` (413), so that a caller can log or audit them.
    public func observeRejections(_ observer: @escaping RejectionObserver) {
        context.rejectionObserver.withLock { $0 = observer }
    }

    /// Stops listening and waits for requests in flight to finish. Calling it again does nothing.
    public func stop() {
        let handle = daemon.withLock { current -> DaemonHandle? in
            let handle = current
            current = nil
            return handle
        }
        if let handle { MHD_stop_daemon(handle.pointer) }
    }

    deinit {
        stop()
    }
}

/// A started daemon. libmicrohttpd's daemon calls are thread-safe.
struct DaemonHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

private func startDaemon(
    sockaddr: UnsafePointer<sockaddr>,
    context: ServerContext,
    tls: ServerTLS?,
    connectionTimeout: Int
) -> OpaquePointer? {
    var flags =
        UInt32(MHD_USE_THREAD_PER_CONNECTION.rawValue)
        | UInt32(MHD_USE_INTERNAL_POLLING_THREAD.rawValue)
        | UInt32(MHD_USE_POLL.rawValue)
    // Without MHD_USE_IPv6, libmicrohttpd opens an IPv4 socket, so an IPv6 address fails to bind.
    if Int32(sockaddr.pointee.sa_family) == AF_INET6 {
        flags |= UInt32(MHD_USE_IPv6.rawValue)
    }
    let contextPointer = Unmanaged.passUnretained(context).toOpaque()
    let timeout = UInt32(clamping: max(connectionTimeout, 0))
    guard let tls else {
        return headroom_mhd_start(
            flags,
            sockaddr,
            accessHandler,
            contextPointer,
            requestCompleted,
            nil,
            timeout,
            nil,
            nil
        )
    }
    return tls.certificatePEM.withCString { certificate in
        tls.keyPEM.withCString { key in
            headroom_mhd_start(
                flags,
                sockaddr,
                accessHandler,
                contextPointer,
                requestCompleted,
                nil,
                timeout,
                certificate,
                key
            )
        }
    }
}
