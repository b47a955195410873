/// The Kubernetes HPA's replica formula, as a baseline for the engine's cost: for each
/// metric `ceil(current × value / target)`, skipped when the ratio is within the tolerance,
/// the maximum over metrics, clamped to the bounds. No stabilization, rate policies or
/// invalid-sample handling, which is what the engine adds on top.
enum HPAFormula {
    static let tolerance = 0.1

    /// `values` and `targets` pair up by index; a non-finite value is skipped.
    static func desiredReplicas(current: Int, values: [Double], targets: [Double], minReplicas: Int, maxReplicas: Int)
        -> Int
    {
        var desired = minReplicas
        for (value, target) in zip(values, targets) where value.isFinite && target > 0 {
            let ratio = value / target
            let proposal: Int
            if abs(ratio - 1) <= tolerance {
                proposal = current
            } else {
                let raw = (Double(current) * ratio).rounded(.up)
                proposal = raw < Double(maxReplicas) ? Int(raw) : maxReplicas
            }
            desired = max(desired, proposal)
        }
        return min(max(desired, minReplicas), maxReplicas)
    }
}
