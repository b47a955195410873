import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

/// A review of the Lease writes and `Retry-After` handling that leader election, saved state and
/// the fault handling of `headroom run` rely on.
@Suite struct Review9KubeClientTests {
    /// Thu, 14 Jan 2027 08:00:00 GMT.
    static let now = Date(timeIntervalSince1970: 1_799_913_600)

    static func client(_ http: FakeHTTPClient) -> KubeClient {
        KubeClient(
            configuration: KubeConfiguration(server: "https://127.0.0.1:6443"),
            http: http,
            clock: ManualKubeClock(advancesOnSleep: true),
            maxRetryAfter: .seconds(30),
            wallClock: { Self.now }
        )
    }

    /// A Lease as the API server returns it, created by a Helm chart: labels, an owner reference
    /// and another tool's annotation next to the election record.
    static let labelledLease = """
        {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"headroom",\
        "namespace":"ops","resourceVersion":"811","uid":"lease-uid-1",\
        "labels":{"app.kubernetes.io/managed-by":"Helm","app.kubernetes.io/name":"headroom"},\
        "annotations":{"meta.helm.sh/release-name":"headroom"},\
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"headroom","uid":"dep-uid-9"}]},\
        "spec":{"holderIdentity":"a_1","leaseDurationSeconds":15,\
        "acquireTime":"2027-01-14T07:59:00.000000Z","renewTime":"2027-01-14T07:59:58.000000Z",\
        "leaseTransitions":2}}
        """

    /// client-go's `LeaseLock.Update` (k8s.io/client-go/tools/leaderelection/resourcelock/
    /// leaselock.go) sets only `spec` on the Lease object it read and sends that whole object,
    /// so metadata it does not own survives a renew. A PUT replaces the whole object, so
    /// Headroom's renew must also send back the labels and owner references it read. Otherwise
    /// every renew strips a Helm-managed Lease of its labels and its garbage-collection owner.
    @Test func leaseUpdateKeepsLabelsAndOwners() async throws {
        let http = FakeHTTPClient([
            FakeHTTPClient.json(200, Self.labelledLease),
            FakeHTTPClient.json(200, Self.labelledLease),
        ])
        let client = Self.client(http)

        var lease = try #require(try await client.lease(namespace: "ops", name: "headroom"))
        lease.renewTime = Self.now
        _ = try await client.updateLease(lease)
        let put = try #require(http.requests.last)
        let body = try #require(put.body)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let metadata = try #require(object["metadata"] as? [String: Any])

        #expect(put.method == .put)
        #expect(
            metadata["labels"] as? [String: String]
                == ["app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": "headroom"]
        )
        let owners = metadata["ownerReferences"] as? [[String: Any]]
        #expect(owners?.first?["uid"] as? String == "dep-uid-9")
        #expect((metadata["annotations"] as? [String: String])?["meta.helm.sh/release-name"] == "headroom")
    }

    /// HTTP requires a recipient that parses an HTTP-date to accept all three formats (RFC 2616
    /// section 3.3.1, kept in RFC 9110 section 5.6.7): IMF-fixdate, the obsolete RFC 850 form
    /// and asctime. Each header below names 08:00:20 GMT on 14 Jan 2027, 20 s after the wall
    /// clock, so the wait is 20 s. A value the parser does not understand falls back to 1 s.
    @Test(arguments: [
        "Thu, 14 Jan 2027 08:00:20 GMT",
        "Thursday, 14-Jan-27 08:00:20 GMT",
        "Thu Jan 14 08:00:20 2027",
    ])
    func retryAfterAcceptsEveryHTTPDateForm(header: String) {
        let response = FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", header)])

        let delay = Self.client(FakeHTTPClient([])).retryDelay(response, status: nil)

        #expect(delay == .seconds(20))
    }

    /// A 429 whose `Retry-After` is 0 is retried at once, and the retry's success is returned:
    /// two requests, no error.
    @Test func zeroRetryAfterRetriesAtOnce() async throws {
        let http = FakeHTTPClient([
            FakeHTTPClient.json(429, "{}", headers: [HTTPHeader("Retry-After", "0")]),
            FakeHTTPClient.json(200, Self.labelledLease),
        ])

        let lease = try await Self.client(http).lease(namespace: "ops", name: "headroom")

        #expect(lease?.holderIdentity == "a_1")
        #expect(http.requests.count == 2)
    }

    /// A 409 Conflict on a Lease update is `KubeError.conflict`, which leader election treats as
    /// a lost race. A 409 with reason `AlreadyExists` on create is `alreadyExists`.
    @Test func leaseConflictsMapToTheirErrors() async throws {
        let conflict = #"{"kind":"Status","status":"Failure","reason":"Conflict","code":409}"#
        let exists = #"{"kind":"Status","status":"Failure","reason":"AlreadyExists","code":409}"#
        let http = FakeHTTPClient([FakeHTTPClient.json(409, conflict), FakeHTTPClient.json(409, exists)])
        let client = Self.client(http)
        let lease = Lease(name: "headroom", namespace: "ops", resourceVersion: "811", holderIdentity: "b_2")

        var updateError: KubeError?
        do { _ = try await client.updateLease(lease) } catch { updateError = error }
        var createError: KubeError?
        do { _ = try await client.createLease(lease) } catch { createError = error }

        if case .conflict = updateError {
        } else {
            Issue.record("update: expected conflict, got \(String(describing: updateError))")
        }
        if case .alreadyExists = createError {
        } else {
            Issue.record("create: expected alreadyExists, got \(String(describing: createError))")
        }
    }
}
