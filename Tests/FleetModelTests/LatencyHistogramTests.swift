import Testing

@testable import FleetModel

@Suite struct LatencyHistogramTests {
    @Test func exporterBoundsAreGridBounds() {
        for bound in [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 0.02, 0.04, 0.75] {
            #expect(LatencyHistogram.bounds.contains(bound))
        }
    }
}
