import Testing

@testable import Simulator

/// Baseline defects found in review. Each test fails until the model matches Kubernetes.
@Suite struct BaselineReviewDefectTests {
    /// Kubernetes' `recordInitialRecommendation` (`horizontal.go`) seeds the history with the
    /// current replicas whatever the windows are. The model seeds it only for a scale-down window.
    @Test func firstSyncSeedsScaleUpWindow() {
        let behavior = HPABehavior(
            scaleUp: HPAScalingRules(
                stabilizationWindowSeconds: 60,
                policies: [
                    HPAScalingPolicy(.percent, value: 100, periodSeconds: 15),
                    HPAScalingPolicy(.pods, value: 4, periodSeconds: 15),
                ]
            ),
            scaleDown: HPAScalingRules(
                stabilizationWindowSeconds: 0,
                policies: [HPAScalingPolicy(.percent, value: 100, periodSeconds: 15)]
            )
        )
        var hpa = HPAModel(targetAverageValue: 100, minReplicas: 1, maxReplicas: 20, behavior: behavior)
        let syncs: [Double] = [0, 15, 30, 45, 60, 75]
        let decisions = runWithInstantPods(&hpa, startReplicas: 2, times: syncs) { _ in 600 }
        // Proposal every sync: ratio 600 / (100 × 2) = 3, outside ±10 %, so ceil(600 / 100) = 6.
        // t=0: history seeded with (0, 2); scale-up limit = lowest recommendation after
        //   0 − 60 = min(6, 2) = 2, so the result stays at the current 2: no change.
        // t=15, 30, 45: the seed (0, 2) is still after t − 60: lowest is 2, no change.
        // t=60: cutoff 0; entries at t=0 are not after it, the rest are 6: stabilized 6.
        //   No scale event yet, so the period starts at 2: max(2 × 2, 2 + 4) = 6 → 6.
        // t=75: ratio 600 / (100 × 6) = 1, inside the tolerance: no change.
        #expect(decisions == [nil, nil, nil, nil, 6, nil])
    }
}
