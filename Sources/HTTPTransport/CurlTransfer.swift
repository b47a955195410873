import CCurl
import Foundation
import Synchronization

/// One request on its own easy handle, from option setup to the resumed continuation.
///
/// Created on the calling task's thread. After `CurlMultiEngine.submit(_:)` only the engine
/// thread touches it, apart from the atomic `cancelRequested` flag.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    /// The request URL with any user information removed, safe for error text.
    let displayURL: String
    let cancelRequested = Atomic<Bool>(false)

    private let connectTimeout: Duration
    private let totalTimeout: Duration
    private let maxResponseBytes: Int
    /// Set by the write callback when the body passed `maxResponseBytes`, which makes libcurl
    /// end the transfer with a write error.
    fileprivate var responseTooLarge = false
    private var requestHeaders: UnsafeMutablePointer<curl_slist>?
    private var connectTo: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?

    fileprivate var responseHeaders: [HTTPHeader] = []
    fileprivate var responseBody = Data()

    /// Sets every option of `request`. Throws `.failed` for a request libcurl cannot send.
    init(
        request: HTTPRequest,
        configuration: TransportConfiguration,
        authorization: String?
    ) throws(TransportError) {
        CurlGlobal.initializeOnce()
        displayURL = redactedURL(request.url)
        guard let easy = curl_easy_init() else {
            throw .failed(url: displayURL, reason: "libcurl could not create an easy handle")
        }
        self.easy = easy
        connectTimeout = configuration.connectTimeout
        totalTimeout = request.timeout ?? configuration.totalTimeout
        maxResponseBytes = max(configuration.maxResponseBytes, 0)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))

        do {
            try configure(request: request, configuration: configuration, authorization: authorization)
        } catch {
            release()
            throw error
        }
    }

    /// Installs the continuation that `finish(_:)` resumes. Call it before submitting.
    func attach(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        self.continuation = continuation
    }

    /// Turns libcurl's result into a response or a typed error and resumes the caller.
    func complete(code: CURLcode) {
        guard code == CURLE_OK else {
            finish(.failure(error(for: code)))
            return
        }
        var status = 0
        headroom_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        finish(.success(HTTPResponse(status: status, headers: responseHeaders, body: responseBody)))
    }

    /// Resumes the caller once and frees the easy handle. Later calls do nothing.
    func finish(_ result: Result<HTTPResponse, TransportError>) {
        guard let continuation else { return }
        self.continuation = nil
        release()
        switch result {
        case .success(let response): continuation.resume(returning: response)
        case .failure(let error): continuation.resume(throwing: error)
        }
    }

    private func release() {
        curl_easy_cleanup(easy)
        curl_slist_free_all(requestHeaders)
        curl_slist_free_all(connectTo)
        requestHeaders = nil
        connectTo = nil
        errorBuffer.deallocate()
    }

    private func configure(
        request: HTTPRequest,
        configuration: TransportConfiguration,
        authorization: String?
    ) throws(TransportError) {
        let url = try effectiveURL(request.url, serverName: configuration.tls.serverName)
        try set(CURLOPT_URL, url)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_ACCEPT_ENCODING, "")
        try set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout.clampedMilliseconds)
        try set(CURLOPT_TIMEOUT_MS, totalTimeout.clampedMilliseconds)
        try check(headroom_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))

        try configureMethod(request)
        try configureHeaders(request, configuration: configuration, authorization: authorization)
        try configureTLS(configuration.tls)
        try configureCallbacks()
    }

    private func configureMethod(_ request: HTTPRequest) throws(TransportError) {
        switch request.method {
        case .get where request.body == nil:
            try set(CURLOPT_HTTPGET, 1)
        case .post:
            try set(CURLOPT_POST, 1)
        default:
            try set(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        guard let body = request.body else {
            if request.method == .post {
                try setBody(Data())
            }
            return
        }
        try setBody(body)
    }

    private func setBody(_ body: Data) throws(TransportError) {
        try check(headroom_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
        guard !body.isEmpty else {
            try set(CURLOPT_COPYPOSTFIELDS, "")
            return
        }
        // COPYPOSTFIELDS copies the bytes, so the Data buffer need not outlive this call.
        let code = body.withUnsafeBytes { raw in
            headroom_easy_setopt_pointer(
                easy,
                CURLOPT_COPYPOSTFIELDS,
                UnsafeMutableRawPointer(mutating: raw.baseAddress)
            )
        }
        try check(code)
    }

    private func configureHeaders(
        _ request: HTTPRequest,
        configuration: TransportConfiguration,
        authorization: String?
    ) throws(TransportError) {
        var headers = configuration.extraHeaders + request.headers
        if let authorization {
            headers.append(HTTPHeader("Authorization", authorization))
        }
        if let host = hostHeader(request.url, serverName: configuration.tls.serverName) {
            headers.append(HTTPHeader("Host", host))
        }
        // An empty Expect header stops curl from waiting for 100-continue on larger bodies.
        headers.append(HTTPHeader("Expect", ""))

        for header in headers {
            guard isValidHeader(header) else {
                // The value is left out because it may be a credential.
                throw .failed(
                    url: displayURL,
                    reason: "header \(header.name) has an invalid name or a line break in its value"
                )
            }
            // "Name;" is curl's syntax for sending a header with an empty value.
            let line = header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
            requestHeaders = curl_slist_append(requestHeaders, line)
        }
        try check(headroom_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, requestHeaders))
    }

    private func configureCallbacks() throws(TransportError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(headroom_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        try check(headroom_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        try check(
            headroom_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { buffer, size, count, user in
                guard let user else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
                let length = size * count
                guard length <= transfer.maxResponseBytes - transfer.responseBody.count else {
                    // Returning less than `length` makes libcurl abort with CURLE_WRITE_ERROR.
                    transfer.responseTooLarge = true
                    return 0
                }
                if let buffer, length > 0 {
                    buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
                        transfer.responseBody.append($0, count: length)
                    }
                }
                return length
            }
        )
        try check(
            headroom_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { buffer, size, count, user in
                guard let user else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
                let length = size * count
                if let buffer, length > 0 {
                    let bytes = UnsafeRawBufferPointer(start: buffer, count: length)
                    transfer.receiveHeaderLine(String(decoding: bytes, as: UTF8.self))
                }
                return length
            }
        )
    }

    /// Records one raw header line. A status line starts a new header block, so only the
    /// final response's headers are kept (after a 100 Continue, for example).
    private func receiveHeaderLine(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            responseHeaders.removeAll()
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = String(trimmed[..<colon])
        let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        responseHeaders.append(HTTPHeader(name, value))
    }

    func set(_ option: CURLoption, _ value: Int) throws(TransportError) {
        try check(headroom_easy_setopt_long(easy, option, value))
    }

    func set(_ option: CURLoption, _ value: String?) throws(TransportError) {
        try check(headroom_easy_setopt_string(easy, option, value))
    }

    func check(_ code: CURLcode) throws(TransportError) {
        guard code == CURLE_OK else {
            throw .failed(url: displayURL, reason: "libcurl rejected an option: \(curlDescription(code))")
        }
    }

    /// The connect-to list entry for `serverName`, kept alive until the transfer ends.
    func setConnectTo(_ entry: String) throws(TransportError) {
        connectTo = curl_slist_append(connectTo, entry)
        try check(headroom_easy_setopt_pointer(easy, CURLOPT_CONNECT_TO, connectTo))
    }

    private func error(for code: CURLcode) -> TransportError {
        let detail = String(cString: errorBuffer)
        let reason = detail.isEmpty ? curlDescription(code) : detail
        if code == CURLE_WRITE_ERROR && responseTooLarge {
            return .responseTooLarge(url: displayURL, limit: maxResponseBytes)
        }
        switch code {
        case CURLE_COULDNT_CONNECT:
            return .connectFailed(url: displayURL, reason: systemConnectError() ?? reason)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectFailed(url: displayURL, reason: reason)
        case CURLE_OPERATION_TIMEDOUT:
            var connectSeconds = 0.0
            headroom_easy_getinfo_double(easy, CURLINFO_CONNECT_TIME, &connectSeconds)
            let after = connectSeconds == 0 ? min(connectTimeout, totalTimeout) : totalTimeout
            return .timedOut(url: displayURL, after: after)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_CRL_BADFILE:
            return .tls(url: displayURL, reason: reason)
        case CURLE_RECV_ERROR where detail.contains("SSL"), CURLE_SEND_ERROR where detail.contains("SSL"):
            // With TLS 1.3 a server rejects a missing or untrusted client certificate with
            // an alert after the handshake, which libcurl reports as a read or write error.
            return .tls(url: displayURL, reason: reason)
        default:
            return .failed(url: displayURL, reason: reason)
        }
    }
}

extension CurlTransfer {
    /// Returns the operating system's text for the failed connect, such as "Connection refused",
    /// or nil when libcurl recorded no error number. libcurl 7.88's own text, "Failed to connect
    /// to <host> port <port> after <n> ms: Couldn't connect to server", does not tell a
    /// refused connection from an unreachable host.
    fileprivate func systemConnectError() -> String? {
        var code = 0
        guard headroom_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &code) == CURLE_OK,
            code > 0, let number = Int32(exactly: code), let text = strerror(number)
        else {
            return nil
        }
        return String(cString: text)
    }
}

func curlDescription(_ code: CURLcode) -> String {
    String(cString: curl_easy_strerror(code))
}

/// Whether `header` can be sent as one line: a token name and a value without line breaks.
private func isValidHeader(_ header: HTTPHeader) -> Bool {
    let separators = Set(" \t\r\n:;()<>@,\"/[]?={}")
    guard !header.name.isEmpty,
        header.name.allSatisfy({ $0.isASCII && !separators.contains($0) && !$0.isNewline })
    else {
        return false
    }
    return !header.value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" })
}
