import CCurl
import Foundation

extension CurlTransfer {
    /// Sets peer verification, the trusted CAs and the client certificate and key.
    func configureTLS(_ tls: TLSConfiguration) throws(TransportError) {
        try set(CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0 : 1)
        try set(CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0 : 2)

        if let authority = tls.certificateAuthority {
            // Only the given CAs are trusted: the system CA directory is switched off too.
            try set(CURLOPT_CAPATH, nil)
            try setPEM(authority, file: CURLOPT_CAINFO, blob: CURLOPT_CAINFO_BLOB)
        }
        if let certificate = tls.clientCertificate {
            try set(CURLOPT_SSLCERTTYPE, "PEM")
            try setPEM(certificate, file: CURLOPT_SSLCERT, blob: CURLOPT_SSLCERT_BLOB)
        }
        if let key = tls.clientKey {
            try set(CURLOPT_SSLKEYTYPE, "PEM")
            try setPEM(key, file: CURLOPT_SSLKEY, blob: CURLOPT_SSLKEY_BLOB)
        }
    }

    private func setPEM(_ source: PEMSource, file: CURLoption, blob: CURLoption) throws(TransportError) {
        switch source {
        case .file(let path):
            try set(file, path)
        case .inline(let data):
            // CURL_BLOB_COPY makes libcurl keep its own copy of the bytes.
            let code = data.withUnsafeBytes { raw -> CURLcode in
                var value = curl_blob(
                    data: UnsafeMutableRawPointer(mutating: raw.baseAddress),
                    len: raw.count,
                    flags: UInt32(CURL_BLOB_COPY)
                )
                return headroom_easy_setopt_blob(easy, blob, &value)
            }
            try check(code)
        }
    }

    /// The URL to hand to libcurl. With a `serverName`, the URL's host is replaced by that
    /// name, so SNI and certificate verification use it, and a connect-to entry sends the
    /// connection to the original host and port.
    func effectiveURL(_ url: String, serverName: String?) throws(TransportError) -> String {
        guard let serverName, !serverName.isEmpty else { return url }
        guard var components = URLComponents(string: url), let host = components.host,
            let port = components.port ?? defaultPort(components.scheme)
        else {
            throw .failed(url: displayURL, reason: "the URL has no host, so the TLS server name cannot apply")
        }
        components.host = serverName
        guard let rewritten = components.string else {
            throw .failed(url: displayURL, reason: "TLS server name \(serverName) is not a valid host name")
        }
        try setConnectTo("\(bracketed(serverName)):\(port):\(bracketed(host)):\(port)")
        return rewritten
    }
}

/// The Host header that keeps the original authority when `serverName` rewrites the URL.
func hostHeader(_ url: String, serverName: String?) -> String? {
    guard let serverName, !serverName.isEmpty, let components = URLComponents(string: url),
        let host = components.host
    else {
        return nil
    }
    guard let port = components.port else { return bracketed(host) }
    return "\(bracketed(host)):\(port)"
}

/// `url` without any `user:password@` part, for error text and logs.
func redactedURL(_ url: String) -> String {
    guard var components = URLComponents(string: url),
        components.user != nil || components.password != nil
    else {
        return url
    }
    components.user = nil
    components.password = nil
    return components.string ?? "<unparsable URL>"
}

private func defaultPort(_ scheme: String?) -> Int? {
    switch scheme?.lowercased() {
    case "https": 443
    case "http": 80
    default: nil
    }
}

private func bracketed(_ host: String) -> String {
    host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
}

extension Duration {
    /// Whole milliseconds, at least 1 and at most `Int.max`, for libcurl's `_MS` options
    /// (where 0 would mean "no limit").
    var clampedMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 1 }
        let (whole, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return Int.max }
        let total = whole.addingReportingOverflow(Int(attoseconds / 1_000_000_000_000_000))
        return total.overflow ? Int.max : max(1, total.partialValue)
    }
}
