import CCurl
import Foundation

/// An `HTTPClient` on libcurl's multi interface.
///
/// All transfers of one client run on one dedicated thread (not on Swift's cooperative
/// pool) and share one connection cache, so many requests run concurrently and reuse
/// connections. At most `maxConcurrentRequests` transfers run at once. Cancelling the
/// calling task aborts its transfer and throws `TransportError.cancelled`.
///
/// Before each request the client asks the credential provider for the `Authorization`
/// value. On a 401 it calls `invalidate()` and sends the request once more with the
/// reloaded value; the second response is returned whatever its status. Credentials never
/// appear in error text.
public final class CurlHTTPClient: HTTPClient {
    public let configuration: TransportConfiguration
    private let engine: CurlMultiEngine

    /// Starts the client's transfer thread. Throws `.failed` when libcurl cannot start.
    public init(configuration: TransportConfiguration = TransportConfiguration()) throws {
        self.configuration = configuration
        engine = try CurlMultiEngine(maxActive: configuration.maxConcurrentRequests)
    }

    deinit {
        engine.stop()
    }

    /// Fails the requests still waiting or running, stops the transfer thread and waits up to
    /// `timeout` for it to finish. Call it before the process exits: exit-time cleanup of
    /// libcurl and OpenSSL under a running transfer can abort the process. Returns false when
    /// the thread did not finish in time.
    @discardableResult
    public func shutdown(waitingUpTo timeout: Duration = .seconds(2)) -> Bool {
        engine.stop(waitingUpTo: timeout)
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let credentials = configuration.credentials
        let first = try await perform(request, authorization: try await authorization(from: credentials))
        guard first.status == 401, let credentials else { return first }

        credentials.invalidate()
        return try await perform(request, authorization: try await authorization(from: credentials))
    }

    private func authorization(from credentials: (any CredentialProvider)?) async throws -> String? {
        guard let credentials else { return nil }
        do {
            return try await credentials.authorization()
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError.credentials(reason: "the credential provider failed: \(error)")
        }
    }

    private func perform(_ request: HTTPRequest, authorization: String?) async throws -> HTTPResponse {
        if Task.isCancelled {
            throw TransportError.cancelled(url: redactedURL(request.url))
        }
        let transfer = try CurlTransfer(
            request: request,
            configuration: configuration,
            authorization: authorization
        )
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.attach(continuation)
                engine.submit(transfer)
            }
        } onCancel: {
            engine.cancel(transfer)
        }
    }
}
