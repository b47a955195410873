import Foundation
import KubeTestServer
import TestSupport
import Testing

/// Turns an API test server's audit log into audit evidence: the calls Headroom made, for the
/// RBAC check in DeployTests.
enum AuditEvidenceRecorder {
    /// KubeClient's `User-Agent`. kubectl and the tests' own HTTP clients send other values or
    /// none, so their calls under a shared token are left out.
    static let headroomUserAgent = "headroom"

    /// Returns the evidence in `entries`: Headroom's authenticated calls, without those a fault
    /// rule failed and without those of `withheldIdentities`, whose permissions a test
    /// withheld on purpose.
    static func evidence(
        _ entries: [AuditEntry],
        server: String,
        withheldIdentities: Set<String> = []
    ) -> [AuditEvidence] {
        let test = Test.current?.name ?? "unknown test"
        return entries.compactMap { entry in
            guard let identity = entry.identity, !withheldIdentities.contains(identity),
                entry.userAgent?.hasPrefix(headroomUserAgent) == true
            else { return nil }
            if case .fail = entry.fault { return nil }
            let path = APIPath(entry.path)
            return AuditEvidence(
                test: test,
                server: server,
                identity: identity,
                verb: entry.verb,
                group: path?.type.group ?? "",
                resource: path?.type.name,
                subresource: path?.subresource,
                namespace: path?.namespace,
                status: entry.status,
                path: entry.path
            )
        }
    }

    /// Appends the evidence in `entries` to the evidence file. A failure is printed, not
    /// thrown, because it happens while an environment stops. The RBAC check then reports the
    /// calls it misses.
    static func record(_ entries: [AuditEntry], server: String, withheldIdentities: Set<String> = []) {
        let records = evidence(entries, server: server, withheldIdentities: withheldIdentities)
        do {
            try AuditEvidenceFile.append(records)
        } catch {
            print("writing \(records.count) audit evidence records to \(AuditEvidenceFile.path) failed: \(error)")
        }
    }
}
