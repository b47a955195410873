import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

@Suite struct KubeStatusTests {
    @Test func conflictDecoded() throws {
        let status = try #require(KubeStatus.decode(try Fixture.data("status-conflict.json")))

        #expect(status.status == "Failure")
        #expect(status.reason == "Conflict")
        #expect(status.code == 409)
        #expect(status.details?.name == "api")
        #expect(status.details?.group == "apps")
        #expect(status.details?.kind == "deployments")
        #expect(status.message?.hasPrefix("Operation cannot be fulfilled on deployments.apps \"api\"") == true)
    }

    @Test func tooManyRequestsDecoded() throws {
        let status = try #require(KubeStatus.decode(try Fixture.data("status-too-many-requests.json")))

        #expect(status.reason == "TooManyRequests")
        #expect(status.code == 429)
        #expect(status.details?.retryAfterSeconds == 7)
        #expect(status.details?.causes == [KubeStatus.Cause(reason: "Throttled", message: "client rate limit")])
    }

    @Test func invalidCausesDecoded() throws {
        let status = try #require(KubeStatus.decode(try Fixture.data("status-invalid.json")))

        #expect(status.reason == "Invalid")
        #expect(status.code == 422)
        #expect(status.details?.causes?.first?.field == "spec.replicas")
        #expect(status.details?.causes?.first?.reason == "FieldValueInvalid")
    }

    @Test func nonStatusBodyIsNil() {
        #expect(KubeStatus.decode(Data(#"{"kind":"Scale","apiVersion":"autoscaling/v1"}"#.utf8)) == nil)
        #expect(KubeStatus.decode(Data("upstream connect error".utf8)) == nil)
    }

    static let scaleTarget = KubeRequestTarget(
        verb: "patch",
        group: "apps",
        resource: "deployments",
        subresource: "scale",
        namespace: "shop",
        name: "api"
    )

    @Test(arguments: [
        ("status-conflict.json", 409, "conflict"),
        ("status-already-exists.json", 409, "alreadyExists"),
        ("status-forbidden.json", 403, "forbidden"),
        ("status-invalid.json", 422, "api"),
    ])
    func statusMapsToError(fixture: String, httpStatus: Int, expected: String) throws {
        let status = KubeStatus.decode(try Fixture.data(fixture))
        let error = KubeClient.error(httpStatus: httpStatus, status: status, target: Self.scaleTarget)

        let name: String
        switch error {
        case .conflict: name = "conflict"
        case .alreadyExists: name = "alreadyExists"
        case .forbidden: name = "forbidden"
        case .api(_, let code, _): name = code == httpStatus ? "api" : "api with wrong code"
        default: name = "other"
        }
        #expect(name == expected)
    }

    @Test func forbiddenMessageNamesWhatIsMissing() throws {
        let status = KubeStatus.decode(try Fixture.data("status-forbidden.json"))
        let error = KubeError.forbidden(target: Self.scaleTarget, status: status)

        let expected =
            "RBAC denies \"patch\" on \"deployments/scale\" in namespace \"shop\": grant it to the "
            + "service account with a Role rule {apiGroups: [\"apps\"], resources: [\"deployments/scale\"], "
            + "verbs: [\"patch\"]} and a binding (server: deployments.apps \"api\" is forbidden: User "
            + "\"system:serviceaccount:shop:headroom\" cannot patch resource \"deployments/scale\" in API "
            + "group \"apps\" in the namespace \"shop\")"
        #expect(error.description == expected)
    }

    @Test func clusterScopedForbiddenAsksForClusterRole() {
        let target = KubeRequestTarget(verb: "list", group: "", resource: "pods", namespace: nil)

        #expect(
            KubeError.forbidden(target: target, status: nil).description
                == "RBAC denies \"list\" on \"pods\" at cluster scope: grant it to the service account with a "
                + "ClusterRole rule {apiGroups: [\"\"], resources: [\"pods\"], verbs: [\"list\"]} and a binding"
        )
    }
}

@Suite struct KubeTimeTests {
    @Test(arguments: [
        (1_796_378_742.123456, "2026-12-04T10:05:42.123456Z"),
        (1_796_378_742.0, "2026-12-04T10:05:42.000000Z"),
        (1_796_378_742.000_001_2, "2026-12-04T10:05:42.000001Z"),
        (1_796_378_742.999_999_7, "2026-12-04T10:05:43.000000Z"),
    ])
    func microTimeHasSixDigits(seconds: Double, expected: String) {
        #expect(KubeTime.formatMicro(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test func microTimeRoundTrips() throws {
        let date = try #require(KubeTime.parseMicro("2026-12-04T10:05:42.123456Z"))

        #expect(abs(date.timeIntervalSince1970 - 1_796_378_742.123456) < 0.000_001)
        #expect(KubeTime.formatMicro(date) == "2026-12-04T10:05:42.123456Z")
    }

    @Test(arguments: ["2026-12-04T10:05:42Z", "2026-12-04T10:05:42.123Z", "2026-12-04T10:05:42.1234567Z"])
    func microTimeNeedsExactlySixDigits(text: String) {
        #expect(KubeTime.parseMicro(text) == nil)
    }

    @Test func timeHasWholeSeconds() {
        #expect(KubeTime.format(Date(timeIntervalSince1970: 1_796_378_742.9)) == "2026-12-04T10:05:42Z")
        #expect(KubeTime.parse("2026-12-04T12:05:42+02:00") == Date(timeIntervalSince1970: 1_796_378_742))
    }
}
