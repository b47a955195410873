import Foundation

/// A small, fast, seedable generator (SplitMix64), so that a run is reproduced exactly from its
/// seed on every platform. The standard library's generator is not seedable.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Returns a uniform value in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Returns a standard normal value (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), 0x1.0p-53)
        let u2 = nextUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Returns an exponential value with the given mean.
    public mutating func nextExponential(mean: Double) -> Double {
        -mean * Foundation.log(1 - nextUnit())
    }

    /// Returns a Poisson count with the given mean: by multiplication below 30, by a rounded normal
    /// approximation above (its error in the mean and variance is far below the noise it models).
    public mutating func nextPoisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean < 30 {
            let limit = Foundation.exp(-mean)
            var product = nextUnit()
            var count = 0
            while product > limit {
                count += 1
                product *= nextUnit()
            }
            return count
        }
        let draw = mean + mean.squareRoot() * nextGaussian()
        return max(0, Int(draw.rounded()))
    }
}
