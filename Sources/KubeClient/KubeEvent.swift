import Foundation

/// The object an Event is about.
public struct ObjectReference: Sendable, Equatable, Codable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var namespace: String
    public var uid: String?

    public init(apiVersion: String, kind: String, name: String, namespace: String, uid: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.uid = uid
    }

    /// Creates the reference to a scale target.
    public init(_ target: ScaleTarget, uid: String? = nil) {
        self.init(
            apiVersion: "apps/v1",
            kind: target.kind.rawValue,
            name: target.name,
            namespace: target.namespace,
            uid: uid
        )
    }
}

/// A core/v1 Event to create.
public struct KubeEvent: Sendable, Equatable {
    public enum EventType: String, Sendable {
        case normal = "Normal"
        case warning = "Warning"
    }

    public var regarding: ObjectReference
    /// CamelCase reason, such as `SuccessfulRescale`.
    public var reason: String
    public var message: String
    public var type: EventType
    /// Written to `source.component` and `reportingComponent`.
    public var reportingComponent: String
    public var reportingInstance: String?

    public init(
        regarding: ObjectReference,
        reason: String,
        message: String,
        type: EventType = .normal,
        reportingComponent: String = "headroom",
        reportingInstance: String? = nil
    ) {
        self.regarding = regarding
        self.reason = reason
        self.message = message
        self.type = type
        self.reportingComponent = reportingComponent
        self.reportingInstance = reportingInstance
    }
}

/// An Event as stored, enough to patch its count when it repeats.
public struct RecordedEvent: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var count: Int
    public var resourceVersion: String?
}

struct EventWire: Codable {
    struct Metadata: Codable {
        var name: String?
        var namespace: String?
        var resourceVersion: String?
    }
    struct Source: Codable { var component: String? }
    var apiVersion: String?
    var kind: String?
    var metadata: Metadata?
    var involvedObject: ObjectReference?
    var reason: String?
    var message: String?
    var type: String?
    var source: Source?
    var reportingComponent: String?
    var reportingInstance: String?
    var firstTimestamp: String?
    var lastTimestamp: String?
    var count: Int?

    var recorded: RecordedEvent {
        RecordedEvent(
            name: metadata?.name ?? "",
            namespace: metadata?.namespace ?? "",
            count: count ?? 1,
            resourceVersion: metadata?.resourceVersion
        )
    }
}
