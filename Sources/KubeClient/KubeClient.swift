import Foundation
import HTTPTransport

/// A client for the parts of the Kubernetes API that Headroom uses.
///
/// Credentials live in the `HTTPClient`'s transport configuration. The transport reloads them
/// and retries once on a 401, so a 401 that reaches this client is final.
///
/// This client maps `Status` errors to `KubeError`. It retries 429 and 503, and any other 5xx
/// that carries a `Retry-After` header, after the wait the server requests, at most
/// `maxThrottleRetries` times with each wait capped at `maxRetryAfter`. An optional client-side
/// rate limit serves scale writes before event writes.
public final class KubeClient: Sendable {
    public let server: String
    /// The default namespace from the configuration.
    public let namespace: String
    /// Sent as `?fieldManager=` on writes, so `managedFields` names this client.
    public let fieldManager: String
    public let maxThrottleRetries: Int
    public let maxRetryAfter: Duration
    /// The maximum time one call may spend waiting between its retries, or `nil` for no limit. A
    /// retry whose wait would pass it is not made: the call fails as throttled, and the error
    /// carries the requested wait for the caller's own schedule.
    public let maxRetryWait: Duration?
    let http: any HTTPClient
    let rateLimiter: RequestRateLimiter?
    let clock: any KubeClock
    /// The wall clock, for `Retry-After` values given as an HTTP-date.
    let wallClock: @Sendable () -> Date

    public init(
        configuration: KubeConfiguration,
        http: any HTTPClient,
        rateLimiter: RequestRateLimiter? = nil,
        clock: any KubeClock = SystemKubeClock(),
        fieldManager: String = "headroom",
        maxThrottleRetries: Int = 3,
        maxRetryAfter: Duration = .seconds(30),
        maxRetryWait: Duration? = nil,
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        server = configuration.server
        namespace = configuration.namespace
        self.http = http
        self.rateLimiter = rateLimiter
        self.clock = clock
        self.fieldManager = fieldManager
        self.maxThrottleRetries = max(0, maxThrottleRetries)
        self.maxRetryAfter = maxRetryAfter
        self.maxRetryWait = maxRetryWait
        self.wallClock = wallClock
    }

    /// One API call: the path below the server, the body, and what it acts on.
    struct Call {
        var method: HTTPMethod
        var path: String
        var query: [(String, String)] = []
        var body: Data?
        var contentType: String?
        var target: KubeRequestTarget
        var priority: RequestPriority
    }

    /// The `User-Agent` of every request, so that API server audit logs tell Headroom's calls
    /// from those of other clients using the same service account.
    public static let userAgent = "headroom"

    /// Sends `call` and returns the body of its 2xx response.
    func perform(_ call: Call) async throws(KubeError) -> Data {
        var request = HTTPRequest(method: call.method, url: server + call.path + Self.queryString(call.query))
        request.headers.append(HTTPHeader("Accept", "application/json"))
        request.headers.append(HTTPHeader("User-Agent", Self.userAgent))
        if let contentType = call.contentType { request.headers.append(HTTPHeader("Content-Type", contentType)) }
        request.body = call.body

        var attempt = 1
        var waited = Duration.zero
        while true {
            if let rateLimiter { await rateLimiter.acquire(call.priority) }
            let response: HTTPResponse
            do {
                response = try await http.send(request)
            } catch let error as TransportError {
                throw .transport(error, target: call.target)
            } catch {
                throw .transport(.failed(url: call.path, reason: "\(error)"), target: call.target)
            }
            if (200..<300).contains(response.status) { return response.body }

            let status = KubeStatus.decode(response.body)
            guard Self.isRetryable(response) else {
                throw Self.error(httpStatus: response.status, status: status, target: call.target)
            }
            let delay = retryDelay(response, status: status)
            let overBudget = maxRetryWait.map { waited + delay > $0 } ?? false
            guard attempt <= maxThrottleRetries, !overBudget else {
                throw .throttled(
                    target: call.target,
                    httpStatus: response.status,
                    attempts: attempt,
                    status: Self.status(status, retryAfter: delay)
                )
            }
            do {
                try await clock.sleep(for: delay)
            } catch {
                throw .transport(.cancelled(url: call.path), target: call.target)
            }
            waited += delay
            attempt += 1
        }
    }

    /// Returns `status` (or an empty Status) with `details.retryAfterSeconds` set to `delay`
    /// rounded up to whole seconds: the wait the server requested, as `retryDelay` reads it from
    /// the header or the body.
    static func status(_ status: KubeStatus?, retryAfter delay: Duration) -> KubeStatus {
        var result = status ?? KubeStatus()
        var details = result.details ?? KubeStatus.Details()
        details.retryAfterSeconds = Int(delay.components.seconds) + (delay.components.attoseconds > 0 ? 1 : 0)
        result.details = details
        return result
    }

    /// Returns whether `response` calls for a retry: 429 and 503 always, and any other 5xx when it
    /// carries a `Retry-After` header. client-go's `checkWait` (k8s.io/client-go/rest/request.go)
    /// retries 429 and every 5xx that carries the header. Here 429 and 503 without it are retried
    /// too, after 1 s, because both statuses mean that the same request may succeed later.
    static func isRetryable(_ response: HTTPResponse) -> Bool {
        switch response.status {
        case 429, 503: true
        case 500..<600: response.header("Retry-After") != nil
        default: false
        }
    }

    /// Computes the wait before retrying a 429 or 5xx: `Retry-After` (seconds or an HTTP-date),
    /// else the Status's `details.retryAfterSeconds`, else 1 s, capped at `maxRetryAfter`. A
    /// negative wait or a date in the past waits zero.
    func retryDelay(_ response: HTTPResponse, status: KubeStatus?) -> Duration {
        let header = response.header("Retry-After").flatMap { retryAfterSeconds($0) }
        let seconds = header ?? status?.details?.retryAfterSeconds.map(Double.init) ?? 1
        let capSeconds = Double(maxRetryAfter.components.seconds)
        guard seconds < capSeconds else { return maxRetryAfter }
        return .seconds(max(0, seconds))
    }

    /// Reads a `Retry-After` value as seconds: a decimal integer (any size, so an overflowing
    /// one reads as a huge wait) or an HTTP-date in any of its three forms, such as
    /// `Wed, 21 Oct 2015 07:28:00 GMT`, counted from `wallClock`. Returns `nil` for anything else.
    func retryAfterSeconds(_ value: String) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) {
            // Double reads any digit string, one past Int's range too (up to infinity), so a
            // value too large for Int still reads as a long wait.
            guard let seconds = Double(text) else { return nil }
            return seconds
        }
        // asctime pads a one-digit day with a space ("Jan  4"), so runs of spaces become one.
        let single = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in Self.httpDateFormats {
            formatter.dateFormat = format
            if let date = formatter.date(from: single) { return date.timeIntervalSince(wallClock()) }
        }
        return nil
    }

    /// The three HTTP-date forms a recipient must accept (RFC 9110 section 5.6.7): IMF-fixdate,
    /// the obsolete RFC 850 form with a two-digit year, and asctime.
    static let httpDateFormats = [
        "EEE, dd MMM yyyy HH:mm:ss 'GMT'",
        "EEEE, dd-MMM-yy HH:mm:ss 'GMT'",
        "EEE MMM d HH:mm:ss yyyy",
    ]

    static func error(httpStatus: Int, status: KubeStatus?, target: KubeRequestTarget) -> KubeError {
        switch httpStatus {
        case 401: .unauthorized(target: target, status: status)
        case 403: .forbidden(target: target, status: status)
        case 404: .notFound(target: target, status: status)
        case 409 where status?.reason == "AlreadyExists": .alreadyExists(target: target, status: status)
        case 409: .conflict(target: target, status: status)
        default: .api(target: target, httpStatus: httpStatus, status: status)
        }
    }

    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let pairs = query.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }
        return "?" + pairs.joined(separator: "&")
    }

    /// Decodes a 2xx body.
    func decode<Value: Decodable>(_ type: Value.Type, _ data: Data, target: KubeRequestTarget) throws(KubeError)
        -> Value
    {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .invalidResponse(target: target, message: "\(error)")
        }
    }

    /// Encodes a request body.
    func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // JSONEncoder fails only on non-finite floating-point values, and these bodies contain none.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// A path segment made safe: names and namespaces are DNS labels, but a bad one must not
    /// change the path.
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
