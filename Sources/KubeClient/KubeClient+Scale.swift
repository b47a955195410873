import Foundation

extension KubeClient {
    /// Reads the Scale of `target`.
    public func scale(of target: ScaleTarget) async throws(KubeError) -> Scale {
        let requestTarget = target.target(verb: "get", subresource: "scale")
        let data = try await perform(
            Call(method: .get, path: target.path + "/scale", target: requestTarget, priority: .normal)
        )
        return try Self.scale(from: decode(ScaleWire.self, data, target: requestTarget), target: requestTarget)
    }

    /// Sets `spec.replicas` of `target` with a JSON merge patch that carries `resourceVersion`
    /// as a precondition. Throws `KubeError.conflict` when the object changed since that read:
    /// the caller re-reads and decides again, because a blind retry would overwrite another
    /// writer such as a person's `kubectl scale`. Returns the Scale after the write.
    public func patchScale(
        of target: ScaleTarget,
        replicas: Int,
        resourceVersion: String
    ) async throws(KubeError) -> Scale {
        precondition((0...Int(Int32.max)).contains(replicas), "replicas must fit a non-negative Int32")
        let requestTarget = target.target(verb: "patch", subresource: "scale")
        let patch = ScaleWire(
            metadata: .init(resourceVersion: resourceVersion),
            spec: .init(replicas: replicas),
            status: nil
        )
        let data = try await perform(
            Call(
                method: .patch,
                path: target.path + "/scale",
                query: [("fieldManager", fieldManager)],
                body: encode(patch),
                contentType: "application/merge-patch+json",
                target: requestTarget,
                priority: .high
            )
        )
        return try Self.scale(from: decode(ScaleWire.self, data, target: requestTarget), target: requestTarget)
    }

    static func scale(from wire: ScaleWire, target: KubeRequestTarget) throws(KubeError) -> Scale {
        guard let resourceVersion = wire.metadata?.resourceVersion, !resourceVersion.isEmpty else {
            throw .invalidResponse(target: target, message: "the Scale has no metadata.resourceVersion")
        }
        return Scale(
            specReplicas: wire.spec?.replicas ?? 0,
            statusReplicas: wire.status?.replicas ?? 0,
            selector: wire.status?.selector ?? "",
            resourceVersion: resourceVersion,
            uid: wire.metadata?.uid
        )
    }
}
