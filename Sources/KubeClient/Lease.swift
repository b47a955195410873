import Foundation

/// A `coordination.k8s.io/v1` Lease for leader election. Times are MicroTime on the wire.
public struct Lease: Sendable, Equatable {
    public var name: String
    public var namespace: String
    /// `nil` for a Lease not created yet; an update sends it as the precondition.
    public var resourceVersion: String?
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int?
    public var acquireTime: Date?
    public var renewTime: Date?
    public var leaseTransitions: Int?
    /// `metadata.annotations`; a Lease that is not an election record carries saved state here.
    public var annotations: [String: String]?
    /// `metadata.labels` and `metadata.ownerReferences` as read, sent back unchanged by an
    /// update, because a PUT replaces the whole object and another tool (such as Helm) may own them.
    public var labels: [String: String]?
    public var ownerReferences: [OwnerReference]?

    /// One entry of `metadata.ownerReferences`.
    public struct OwnerReference: Sendable, Codable, Equatable {
        public var apiVersion: String
        public var kind: String
        public var name: String
        public var uid: String
        public var controller: Bool?
        public var blockOwnerDeletion: Bool?
    }

    public init(
        name: String,
        namespace: String,
        resourceVersion: String? = nil,
        holderIdentity: String? = nil,
        leaseDurationSeconds: Int? = nil,
        acquireTime: Date? = nil,
        renewTime: Date? = nil,
        leaseTransitions: Int? = nil,
        annotations: [String: String]? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.resourceVersion = resourceVersion
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.annotations = annotations
    }
}

struct LeaseWire: Codable {
    struct Metadata: Codable {
        var name: String?
        var namespace: String?
        var resourceVersion: String?
        var annotations: [String: String]?
        var labels: [String: String]?
        var ownerReferences: [Lease.OwnerReference]?
    }
    struct Spec: Codable {
        var holderIdentity: String?
        var leaseDurationSeconds: Int?
        var acquireTime: String?
        var renewTime: String?
        var leaseTransitions: Int?
    }
    var apiVersion: String?
    var kind: String?
    var metadata: Metadata?
    var spec: Spec?

    init(_ lease: Lease) {
        apiVersion = "coordination.k8s.io/v1"
        kind = "Lease"
        metadata = Metadata(
            name: lease.name,
            namespace: lease.namespace,
            resourceVersion: lease.resourceVersion,
            annotations: lease.annotations,
            labels: lease.labels,
            ownerReferences: lease.ownerReferences
        )
        spec = Spec(
            holderIdentity: lease.holderIdentity,
            leaseDurationSeconds: lease.leaseDurationSeconds,
            acquireTime: lease.acquireTime.map(KubeTime.formatMicro),
            renewTime: lease.renewTime.map(KubeTime.formatMicro),
            leaseTransitions: lease.leaseTransitions
        )
    }

    func value(target: KubeRequestTarget) throws(KubeError) -> Lease {
        func micro(_ text: String?, _ field: String) throws(KubeError) -> Date? {
            guard let text else { return nil }
            guard let date = KubeTime.parseMicro(text) else {
                throw .invalidResponse(
                    target: target,
                    message: "spec.\(field) \"\(text)\" is not a MicroTime with 6 fractional digits"
                )
            }
            return date
        }
        var lease = Lease(
            name: metadata?.name ?? "",
            namespace: metadata?.namespace ?? "",
            resourceVersion: metadata?.resourceVersion,
            holderIdentity: spec?.holderIdentity,
            leaseDurationSeconds: spec?.leaseDurationSeconds,
            acquireTime: try micro(spec?.acquireTime, "acquireTime"),
            renewTime: try micro(spec?.renewTime, "renewTime"),
            leaseTransitions: spec?.leaseTransitions,
            annotations: metadata?.annotations
        )
        lease.labels = metadata?.labels
        lease.ownerReferences = metadata?.ownerReferences
        return lease
    }
}
