import Foundation

/// Renders objects as a `meta.k8s.io/v1` Table, the response `kubectl get` requests with
/// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, using the columns kubectl shows
/// for a real API server.
enum TableRenderer {
    struct Column: Sendable {
        var name: String
        var type: String
        /// 0 for default columns; kubectl shows higher priorities only with `-o wide`.
        var priority = 0
        var cell: @Sendable (JSONValue, Date) -> JSONValue
    }

    static func table(_ type: ResourceType, objects: [JSONValue], revision: Int, now: Date) -> JSONValue {
        // Events lead with LAST SEEN and keep NAME for `-o wide`, as the API server's own table does.
        let columns =
            type.name == "events"
            ? eventColumns + [Column(name: "Name", type: "string", priority: 1, cell: nameColumn.cell)]
            : [nameColumn] + extraColumns(type) + [ageColumn]
        let definitions: [JSONValue] = columns.map { column in
            [
                "name": .string(column.name), "type": .string(column.type),
                "format": column.name == "Name" ? "name" : "", "description": "", "priority": .int(column.priority),
            ]
        }
        let rows: [JSONValue] = objects.map { object in
            [
                "cells": .array(columns.map { $0.cell(object, now) }),
                "object": [
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"] ?? [:],
                ],
            ]
        }
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": ["resourceVersion": .string(String(revision))],
            "columnDefinitions": .array(definitions), "rows": .array(rows),
        ]
    }

    static let nameColumn = Column(name: "Name", type: "string") { object, _ in
        object[path: ["metadata", "name"]] ?? ""
    }

    static let ageColumn = Column(name: "Age", type: "string") { object, now in
        .string(age(object[path: ["metadata", "creationTimestamp"]]?.stringValue, now: now))
    }

    private static func int(_ object: JSONValue, _ path: String...) -> Int {
        object[path: path]?.intValue ?? 0
    }

    private static func extraColumns(_ type: ResourceType) -> [Column] {
        switch (type.group, type.name) {
        case ("apps", "deployments"):
            return [
                Column(name: "Ready", type: "string") { object, _ in
                    .string("\(int(object, "status", "readyReplicas"))/\(int(object, "spec", "replicas"))")
                },
                Column(name: "Up-to-date", type: "integer") { object, _ in
                    .int(int(object, "status", "updatedReplicas"))
                },
                Column(name: "Available", type: "integer") { object, _ in
                    .int(int(object, "status", "availableReplicas"))
                },
            ]
        case ("apps", "replicasets"):
            return [
                Column(name: "Desired", type: "integer") { object, _ in .int(int(object, "spec", "replicas")) },
                Column(name: "Current", type: "integer") { object, _ in .int(int(object, "status", "replicas")) },
                Column(name: "Ready", type: "integer") { object, _ in .int(int(object, "status", "readyReplicas")) },
            ]
        case ("apps", "statefulsets"):
            return [
                Column(name: "Ready", type: "string") { object, _ in
                    .string("\(int(object, "status", "readyReplicas"))/\(int(object, "spec", "replicas"))")
                }
            ]
        case ("", "pods"):
            return podColumns
        case ("", "namespaces"):
            return [
                Column(name: "Status", type: "string") { object, _ in object[path: ["status", "phase"]] ?? "" }
            ]
        case ("autoscaling", "horizontalpodautoscalers"):
            return [
                Column(name: "Reference", type: "string") { object, _ in
                    let kind = object[path: ["spec", "scaleTargetRef", "kind"]]?.stringValue ?? ""
                    let name = object[path: ["spec", "scaleTargetRef", "name"]]?.stringValue ?? ""
                    return .string("\(kind)/\(name)")
                },
                Column(name: "MinPods", type: "integer") { object, _ in .int(int(object, "spec", "minReplicas")) },
                Column(name: "MaxPods", type: "integer") { object, _ in .int(int(object, "spec", "maxReplicas")) },
                Column(name: "Replicas", type: "integer") { object, _ in
                    .int(int(object, "status", "currentReplicas"))
                },
            ]
        case ("coordination.k8s.io", "leases"):
            return [
                Column(name: "Holder", type: "string") { object, _ in
                    object[path: ["spec", "holderIdentity"]] ?? ""
                }
            ]
        default:
            return []
        }
    }

    private static let podColumns: [Column] = [
        Column(name: "Ready", type: "string") { object, _ in
            let statuses = object[path: ["status", "containerStatuses"]]?.arrayValue ?? []
            let containers = object[path: ["spec", "containers"]]?.arrayValue?.count ?? statuses.count
            let ready = statuses.filter { $0["ready"]?.boolValue == true }.count
            return .string("\(ready)/\(containers)")
        },
        Column(name: "Status", type: "string") { object, _ in .string(podStatus(object)) },
        Column(name: "Restarts", type: "string") { object, _ in
            let statuses = object[path: ["status", "containerStatuses"]]?.arrayValue ?? []
            return .string(String(statuses.reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) }))
        },
    ]

    /// Returns the STATUS cell as kubectl shows it: `Terminating` once deleted, else the reason a
    /// container waits or ended with (the first container's wins, such as `ContainerCreating`
    /// or `CrashLoopBackOff`), else `status.reason`, else the phase.
    // NOTE: kubectl shows a completed container beside a running one as `Running` or
    // `NotReady`; this shows `Completed`.
    static func podStatus(_ object: JSONValue) -> String {
        if object[path: ["metadata", "deletionTimestamp"]] != nil { return "Terminating" }
        var status = object[path: ["status", "phase"]]?.stringValue ?? "Pending"
        if let reason = object[path: ["status", "reason"]]?.stringValue, !reason.isEmpty { status = reason }
        let containers = object[path: ["status", "containerStatuses"]]?.arrayValue ?? []
        for container in containers.reversed() {
            let waiting = container[path: ["state", "waiting", "reason"]]?.stringValue ?? ""
            let terminated = container[path: ["state", "terminated", "reason"]]?.stringValue ?? ""
            if !waiting.isEmpty {
                status = waiting
            } else if !terminated.isEmpty {
                status = terminated
            }
        }
        return status
    }

    private static let eventColumns: [Column] = [
        Column(name: "Last Seen", type: "string") { object, now in
            let last =
                object["lastTimestamp"]?.stringValue ?? object["deprecatedLastTimestamp"]?.stringValue
                ?? object["eventTime"]?.stringValue
                ?? object[path: ["metadata", "creationTimestamp"]]?.stringValue
            return .string(age(last, now: now))
        },
        Column(name: "Type", type: "string") { object, _ in object["type"] ?? "" },
        Column(name: "Reason", type: "string") { object, _ in object["reason"] ?? "" },
        Column(name: "Object", type: "string") { object, _ in
            let reference = object["involvedObject"] ?? object["regarding"] ?? [:]
            let kind = reference["kind"]?.stringValue?.lowercased() ?? ""
            return .string("\(kind)/\(reference["name"]?.stringValue ?? "")")
        },
        Column(name: "Message", type: "string") { object, _ in object["message"] ?? object["note"] ?? "" },
    ]

    /// Formats a short age such as `45s`, `12m`, `5h` or `3d`, or `<unknown>` without a timestamp.
    static func age(_ timestamp: String?, now: Date) -> String {
        guard let timestamp, let date = Timestamps.parse(timestamp) else { return "<unknown>" }
        let seconds = max(0, Int(now.timeIntervalSince(date).rounded(.down)))
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<(3 * 3600): return "\(seconds / 60)m"
        case ..<(48 * 3600): return "\(seconds / 3600)h"
        default: return "\(seconds / 86400)d"
        }
    }
}
