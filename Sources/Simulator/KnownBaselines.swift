/// The baseline names `simulate --baselines` accepts, and where their models are made.
///
/// The models live in `Sources/Simulator/Baselines`. Until a name is wired in `make(_:)`, the
/// command accepts it and reports it as missing instead of running it.
public enum KnownBaselines {
    public static let names = ["hpa", "keda", "kpa", "kpa-tuned", "hpa-tuned", "oracle"]

    /// Returns a fresh model for `name`, or nil while it is not available in this build.
    public static func make(_ name: String) -> (any SimulatedAutoscaler)? {
        nil
    }
}
