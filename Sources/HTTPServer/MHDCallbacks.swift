import CMicroHTTPD
import Foundation
import Synchronization

// libmicrohttpd calls these from its own threads. They are global functions, so they carry
// no actor isolation, and they reach Swift state only through the context pointers.

/// Collects the body over several calls, then runs the handler and queues its response.
func accessHandler(
    context: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?,
    version: UnsafePointer<CChar>?,
    uploadData: UnsafePointer<CChar>?,
    uploadDataSize: UnsafeMutablePointer<Int>?,
    requestPointer: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let context, let connection, let requestPointer, let uploadDataSize else { return .NO }
    let server = Unmanaged<ServerContext>.fromOpaque(context).takeUnretainedValue()

    guard let statePointer = requestPointer.pointee else {
        requestPointer.pointee = Unmanaged.passRetained(RequestState()).toOpaque()
        return .YES
    }
    let state = Unmanaged<RequestState>.fromOpaque(statePointer).takeUnretainedValue()

    if uploadDataSize.pointee > 0 {
        if let uploadData, !state.tooLarge {
            if state.body.count + uploadDataSize.pointee > server.maxBodyBytes {
                state.tooLarge = true
                state.body = Data()
            } else {
                uploadData.withMemoryRebound(to: UInt8.self, capacity: uploadDataSize.pointee) {
                    state.body.append($0, count: uploadDataSize.pointee)
                }
            }
        }
        uploadDataSize.pointee = 0
        return .YES
    }

    let request = ServerRequest(
        method: method.map { String(cString: $0) } ?? "GET",
        path: url.map { String(cString: $0) } ?? "/",
        query: connectionValues(connection, kind: .GET_ARGUMENT_KIND),
        headers: connectionValues(connection, kind: .HEADER_KIND),
        body: state.body
    )
    let response: ServerResponse
    if state.tooLarge {
        response = .text(413, "request body larger than \(server.maxBodyBytes) bytes\n")
        server.rejectionObserver.withLock { $0 }?(request, response)
    } else {
        response = server.respond(to: request)
    }
    return queue(response, on: connection)
}

/// Releases the per-request state once libmicrohttpd is done with the request.
func requestCompleted(
    context: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    requestPointer: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    termination: MHD_RequestTerminationCode
) {
    guard let requestPointer, let statePointer = requestPointer.pointee else { return }
    Unmanaged<RequestState>.fromOpaque(statePointer).release()
    requestPointer.pointee = nil
}

private func collectPair(
    context: UnsafeMutableRawPointer?,
    kind: MHD_ValueKind,
    key: UnsafePointer<CChar>?,
    value: UnsafePointer<CChar>?
) -> MHD_Result {
    guard let context, let key else { return .YES }
    let collector = Unmanaged<PairCollector>.fromOpaque(context).takeUnretainedValue()
    collector.pairs.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
    return .YES
}

private func connectionValues(
    _ connection: OpaquePointer,
    kind: MHD_ValueKind
) -> [(name: String, value: String)] {
    let collector = PairCollector()
    withExtendedLifetime(collector) {
        let pointer = Unmanaged.passUnretained(collector).toOpaque()
        _ = MHD_get_connection_values(connection, kind, collectPair, pointer)
    }
    return collector.pairs
}

private func queue(_ response: ServerResponse, on connection: OpaquePointer) -> MHD_Result {
    let created = response.body.withUnsafeBytes { bytes in
        headroom_mhd_response_copy(bytes.count, bytes.baseAddress)
    }
    guard let created else { return .NO }
    defer { MHD_destroy_response(created) }
    for header in response.headers
    where header.name.caseInsensitiveCompare("Content-Length") != .orderedSame {
        _ = MHD_add_response_header(created, header.name, header.value)
    }
    return MHD_queue_response(connection, UInt32(clamping: response.status), created)
}
