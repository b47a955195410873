import Testing

@testable import HeadroomCLI

/// Defects in the options of `headroom simulate`, found in review.
@Suite struct SimulateReviewDefectTests {
    /// Checks that `--seeds 1-3,2` keeps seed 2 once or is rejected. A run is deterministic per
    /// seed, so a repeated seed would weigh 2/4 in every mean instead of 1/3.
    @Test func repeatedSeedCountedOnce() {
        let seeds = SimulateOptions.parseSeeds("1-3,2")
        #expect(seeds == nil || seeds == [1, 2, 3], "got \(String(describing: seeds))")
    }
}
