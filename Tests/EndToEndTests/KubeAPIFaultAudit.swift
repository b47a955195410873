import Foundation
import KubeTestServer
import TestSupport

/// The audit log and JSON log of one fault row, read for one target: its reads, its scale
/// writes, the Events about it, and its failed attempts.
struct KubeAPIFaultAudit {
    /// One Event write about a target: the create (POST) or a count update (PATCH).
    struct EventWrite {
        var entry: AuditEntry
        var reason: String
        var message: String
    }

    let entries: [AuditEntry]
    /// The Event name → (regarding object, reason, message), from every Event create.
    let created: [String: (object: String, reason: String, message: String)]

    /// Sorts `entries` by arrival. The audit log appends a request when its response is sent,
    /// so a delayed request comes after later ones there.
    init(_ entries: [AuditEntry]) {
        let entries = entries.sorted { $0.sequence < $1.sequence }
        self.entries = entries
        var created: [String: (object: String, reason: String, message: String)] = [:]
        for entry in entries where entry.method == "POST" && entry.path.hasSuffix("/events") && entry.status < 300 {
            guard let body = entry.body, let object = Self.jsonObject(body),
                let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String,
                let regarding = object["involvedObject"] as? [String: Any],
                let objectName = regarding["name"] as? String
            else { continue }
            created[name] = (objectName, object["reason"] as? String ?? "", object["message"] as? String ?? "")
        }
        self.created = created
    }

    static func workloadPath(_ resource: String, _ name: String) -> String {
        "/apis/apps/v1/namespaces/shop/\(resource)/\(name)"
    }

    static func jsonObject(_ text: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    /// GETs of the workload `name`: one per attempt that read it, plus the re-read after a 409.
    func reads(_ resource: String, _ name: String) -> [AuditEntry] {
        entries.filter { $0.method == "GET" && $0.path == Self.workloadPath(resource, name) }
    }

    /// PATCHes of the scale subresource of `name`, whatever their status.
    func scaleWrites(_ resource: String, _ name: String) -> [AuditEntry] {
        entries.filter { $0.method == "PATCH" && $0.path == Self.workloadPath(resource, name) + "/scale" }
    }

    /// Event creates and count updates about the object `name`, in arrival order. A count
    /// update carries no reason, so it takes the reason of the create it updates.
    func events(about name: String) -> [EventWrite] {
        entries.compactMap { entry -> EventWrite? in
            guard entry.path.hasPrefix("/api/v1/namespaces/shop/events"), entry.status < 300 else { return nil }
            let eventName: String
            if entry.method == "POST" {
                guard let body = entry.body, let object = Self.jsonObject(body),
                    let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String
                else { return nil }
                eventName = name
            } else if entry.method == "PATCH" {
                eventName = String(entry.path.split(separator: "/").last ?? "")
            } else {
                return nil
            }
            guard let event = created[eventName], event.object == name else { return nil }
            return EventWrite(entry: entry, reason: event.reason, message: event.message)
        }
    }

    /// Returns the Rescale Events (SuccessfulRescale or FailedRescale) about `name` that do not
    /// come right after a scale write of `name`, among that target's scale writes and Rescale
    /// Events. The list is empty when every cycle wrote the scale before its Event.
    func rescaleEventsWithoutWrite(_ resource: String, _ name: String) -> [String] {
        let writes = scaleWrites(resource, name).map { (sequence: $0.sequence, isEvent: false, text: "PATCH") }
        let rescales = events(about: name).filter { $0.reason.hasSuffix("Rescale") && $0.reason != "OutsideRescale" }
            .map { (sequence: $0.entry.sequence, isEvent: true, text: "\($0.entry.method) \($0.reason)") }
        let ordered = (writes + rescales).sorted { $0.sequence < $1.sequence }
        var offending: [String] = []
        for (index, item) in ordered.enumerated() where item.isEvent {
            if index == 0 || ordered[index - 1].isEvent {
                offending.append("#\(item.sequence) \(item.text)")
            }
        }
        return offending
    }
}

/// Log records of one target's attempts in a `headroom run --log-format json` log.
enum AttemptLog {
    static let failureMessages: Set<String> = ["reading the workload failed", "writing the replica count failed"]

    /// Returns the record's `time` in seconds since 1970.
    static func time(_ record: JSONLogRecord) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return record["time"].flatMap(formatter.date(from:))?.timeIntervalSince1970
    }

    /// Returns the failed attempts on `target`, oldest first.
    static func failures(_ records: [JSONLogRecord], target: String) -> [JSONLogRecord] {
        records.about(target).filter { failureMessages.contains($0.message) }
    }
}

/// `ControlLoop.backoff` written out again from its rule, so the test does not call the code
/// it checks. One failure waits nothing. After `failures` failures in a row the wait is
/// `interval × 2^(failures − 1)`, capped at 300 s and stretched by `(h mod 1000) / 1000 × 0.2`.
/// h hashes the bytes of `"<target>#<failures>"` the FNV-1a way (xor the byte, multiply by
/// the 64-bit FNV prime 0x100000001b3, wrapping) from the start value ControlLoop uses,
/// 1469598103934665603. That is not FNV-1a's standard offset basis 14695981039346656037,
/// but any start value spreads the targets' waits.
enum ExpectedBackoff {
    static func seconds(failures: Int, interval: Double, target: String) -> Double {
        guard failures >= 2 else { return 0 }
        let base = min(interval * Double(1 << min(failures - 1, 20)), 300)
        var hash: UInt64 = 0x1465_0FB0_739D_0383
        for byte in Array("\(target)#\(failures)".utf8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return base + base * Double(hash % 1000) / 5000
    }
}
