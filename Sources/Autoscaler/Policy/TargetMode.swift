/// Whether the engine's decision for a target is written to the cluster.
public enum TargetMode: String, Sendable, Codable, CaseIterable {
    /// Decisions are written to the scale subresource.
    case scale
    /// Decisions are computed, logged and exported but never written, so Headroom can run
    /// beside an HPA before a cutover.
    case observe
}
