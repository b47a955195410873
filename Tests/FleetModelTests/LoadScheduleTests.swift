import Foundation
import Testing

@testable import FleetModel

@Suite struct LoadScheduleTests {
    /// 10/s for 20 s, ramp to 100/s over 10 s, hold 30 s, back over 5 s, 15 s at 10/s.
    private let compressed = FlashSale(
        baseRequestsPerSecond: 10,
        peakRequestsPerSecond: 100,
        leadIn: 20,
        rampUp: 10,
        hold: 30,
        rampDown: 5,
        tail: 15
    ).load

    @Test func compressedFlashSaleShape() {
        #expect(compressed.duration == 80)
        #expect(compressed.requestsPerSecond(at: 5) == 10)
        // 5 s into a 10 s ramp from 10 to 100.
        #expect(compressed.requestsPerSecond(at: 25) == 55)
        #expect(compressed.requestsPerSecond(at: 40) == 100)
        // 2.5 s into a 5 s ramp from 100 to 10.
        #expect(compressed.requestsPerSecond(at: 62.5) == 55)
        #expect(compressed.requestsPerSecond(at: 70) == 10)
        #expect(compressed.requestsPerSecond(at: 80) == 0)
    }

    @Test func compressedFlashSaleArrivals() {
        // The ramp is a trapezoid: 10 s × (10 + 100) / 2.
        #expect(compressed.expectedArrivals(from: 20, to: 30) == 550)
        // Tick 25: the rate goes from 55 to 64, mean 59.5.
        #expect(abs(compressed.expectedArrivals(inTick: 25) - 59.5) < 1e-9)
        #expect(compressed.maximumRequestsPerSecond(from: 25, to: 26) == 64)
        #expect(compressed.maximumRequestsPerSecond(from: 58, to: 62) == 100)
    }

    @Test func scoredFlashSaleNumbers() {
        let load = FlashSale.scored.load
        #expect(load.duration == 2_220)
        #expect(load.requestsPerSecond(at: 599) == 60)
        // 30 s into the 60 s ramp from 60 to 1,800.
        #expect(load.requestsPerSecond(at: 630) == 930)
        #expect(load.requestsPerSecond(at: 1_000) == 1_800)
        // 30 s into the 60 s ramp down, which starts at 1,260 s.
        #expect(load.requestsPerSecond(at: 1_290) == 930)
        #expect(load.requestsPerSecond(at: 2_000) == 60)
        // 60/s × 1,500 s steady, two ramps of 60 × 930, 1,800/s × 600 s.
        #expect(load.expectedArrivals(from: 0, to: 2_220) == 90_000 + 2 * 55_800 + 1_080_000)
    }

    @Test func diurnalShape() {
        let load = DiurnalLoad(minimum: 10, maximum: 30, period: 100, duration: 200)
        #expect(load.requestsPerSecond(at: 0) == 10)
        #expect(abs(load.requestsPerSecond(at: 25) - 20) < 1e-9)
        #expect(abs(load.requestsPerSecond(at: 50) - 30) < 1e-9)
        // One full period averages (10 + 30) / 2.
        #expect(abs(load.expectedArrivals(from: 0, to: 100) - 2_000) < 1e-9)
        #expect(load.maximumRequestsPerSecond(from: 40, to: 60) == 30)
        #expect(abs(load.maximumRequestsPerSecond(from: 0, to: 10) - load.requestsPerSecond(at: 10)) < 1e-9)
    }

    @Test func steadyLoadArrivals() {
        let load = SteadyLoad(requestsPerSecond: 3, duration: 10)
        #expect(load.expectedArrivals(from: -5, to: 2.5) == 7.5)
        #expect(load.expectedArrivals(inTick: 10) == 0)
    }

    /// Poisson draws have mean and variance λ. With n draws the sample mean's standard error is
    /// √(λ/n) and the sample variance's is √((λ + 2λ²)/n); each check allows five of them.
    @Test(arguments: [4.5, 250.0])
    func poissonDrawMeanAndVariance(rate: Double) {
        let load = SteadyLoad(requestsPerSecond: rate, duration: 1)
        var random = SeededRandom(seed: 42)
        let draws = 20_000
        var sum = 0.0
        var sumOfSquares = 0.0
        for _ in 0..<draws {
            let count = Double(load.drawArrivals(inTick: 0, random: &random))
            sum += count
            sumOfSquares += count * count
        }
        let mean = sum / Double(draws)
        let variance = (sumOfSquares - Double(draws) * mean * mean) / Double(draws - 1)

        #expect(abs(mean - rate) < 5 * (rate / Double(draws)).squareRoot())
        #expect(abs(variance - rate) < 5 * ((rate + 2 * rate * rate) / Double(draws)).squareRoot())
    }
}
