import Foundation

/// The waiting time of a group of requests in one queue during one tick.
///
/// Two regimes: while a queue keeps up with its arrivals, waiting follows the queue's steady
/// state, zero with some probability and otherwise roughly exponential. While a backlog exists,
/// every request waits about as long as the backlog takes to drain in FIFO order, spread evenly
/// between the first and the last of the group.
enum WaitDistribution: Sendable, Hashable {
    case zero
    /// No wait with probability 1 − `probability`, else exponential with mean `meanIfWaiting`.
    case zeroOrExponential(probability: Double, meanIfWaiting: Double)
    /// Uniform between `low` and `high`.
    case uniform(low: Double, high: Double)

    var mean: Double {
        switch self {
        case .zero: return 0
        case .zeroOrExponential(let probability, let meanIfWaiting): return probability * meanIfWaiting
        case .uniform(let low, let high): return (low + high) / 2
        }
    }

    /// P(wait ≤ x).
    func cdf(_ x: Double) -> Double {
        guard x >= 0 else { return 0 }
        switch self {
        case .zero:
            return 1
        case .zeroOrExponential(let probability, let meanIfWaiting):
            guard meanIfWaiting > 0 else { return 1 }
            return 1 - probability * Foundation.exp(-x / meanIfWaiting)
        case .uniform(let low, let high):
            if high - low < 1e-9 { return x >= low ? 1 : 0 }
            return min(1, max(0, (x - low) / (high - low)))
        }
    }

    /// P(self + other ≤ x) for independent waits.
    func sumCDF(_ other: WaitDistribution, _ x: Double) -> Double {
        switch (self, other) {
        case (.zero, _): return other.cdf(x)
        case (_, .zero): return cdf(x)
        case (.uniform(let a1, let b1), .uniform(let a2, let b2)):
            // Rare (two backlogs at once); the sum is taken as uniform over the summed range.
            return WaitDistribution.uniform(low: a1 + a2, high: b1 + b2).cdf(x)
        case (.uniform(let low, let high), .zeroOrExponential(let p, let theta)),
            (.zeroOrExponential(let p, let theta), .uniform(let low, let high)):
            let plain = WaitDistribution.uniform(low: low, high: high).cdf(x)
            return (1 - p) * plain + p * Self.uniformPlusExponentialCDF(low: low, high: high, mean: theta, x)
        case (.zeroOrExponential(let p1, let t1), .zeroOrExponential(let p2, let t2)):
            let tail =
                p1 * (1 - p2) * Self.exponentialTail(t1, x) + p2 * (1 - p1) * Self.exponentialTail(t2, x)
                + p1 * p2 * Self.twoExponentialsTail(t1, t2, x)
            return 1 - tail
        }
    }

    private static func exponentialTail(_ mean: Double, _ x: Double) -> Double {
        mean > 0 ? Foundation.exp(-x / mean) : 0
    }

    /// P(E1 + E2 > x) for independent exponentials with means `m1` and `m2`.
    private static func twoExponentialsTail(_ m1: Double, _ m2: Double, _ x: Double) -> Double {
        if m1 <= 0 { return exponentialTail(m2, x) }
        if m2 <= 0 { return exponentialTail(m1, x) }
        if abs(m1 - m2) < 1e-9 * max(m1, m2) { return (1 + x / m1) * Foundation.exp(-x / m1) }
        return (m1 * Foundation.exp(-x / m1) - m2 * Foundation.exp(-x / m2)) / (m1 - m2)
    }

    /// P(U + E ≤ x) for U uniform on [low, high] and E exponential with the given mean.
    private static func uniformPlusExponentialCDF(low: Double, high: Double, mean: Double, _ x: Double) -> Double {
        guard x > low else { return 0 }
        guard mean > 0 else { return uniform(low: low, high: high).cdf(x) }
        let width = high - low
        if width < 1e-9 { return 1 - Foundation.exp(-(x - low) / mean) }
        if x <= high {
            return ((x - low) - mean * (1 - Foundation.exp(-(x - low) / mean))) / width
        }
        return 1 - mean * (Foundation.exp(-(x - high) / mean) - Foundation.exp(-(x - low) / mean)) / width
    }
}

/// Steady-state formulas of the multi-server queue.
enum QueueFormulas {
    /// Erlang C: the probability that an arrival waits in an M/M/c queue with `servers` servers
    /// and offered load `load` (in erlangs, load < servers).
    static func erlangC(servers: Int, load: Double) -> Double {
        guard servers > 0, load > 0 else { return 0 }
        guard load < Double(servers) else { return 1 }
        // Erlang B by its stable recursion, then C from B.
        var erlangB = 1.0
        for k in 1...servers {
            erlangB = load * erlangB / (Double(k) + load * erlangB)
        }
        let rho = load / Double(servers)
        return erlangB / (1 - rho + rho * erlangB)
    }

    /// The steady-state wait of a G/G/c queue by the Allen–Cunneen approximation, exact for
    /// M/M/c and for M/G/1 (Pollaczek–Khinchine): the M/M/c wait scaled by
    /// (arrival variability + service variability) / 2.
    static func wait(
        servers: Int,
        arrivalRate: Double,
        serviceTime: Double,
        arrivalVariability: Double = 1,
        serviceVariability: Double
    ) -> WaitDistribution {
        guard servers > 0, arrivalRate > 0, serviceTime > 0 else { return .zero }
        let load = arrivalRate * serviceTime
        let capacity = Double(servers) / serviceTime
        let probability = erlangC(servers: servers, load: load)
        guard probability > 0, capacity > arrivalRate else { return .zero }
        let scale = (arrivalVariability + serviceVariability) / 2
        // Conditional on waiting, the M/M/c wait is exponential with mean 1/(cμ − λ).
        let meanIfWaiting = scale / (capacity - arrivalRate)
        return .zeroOrExponential(probability: probability, meanIfWaiting: meanIfWaiting)
    }
}

/// The latency distribution of a group of requests: two independent waits, a third wait taken
/// by its mean, a fixed part (CPU and query time), and a cap on the waits. Groups with the same
/// shape, such as the warm pods of one tick, share one evaluation on the histogram grid.
struct LatencyShape: Sendable, Hashable {
    var first: WaitDistribution
    var second: WaitDistribution
    var thirdMean: Double = 0
    var fixed: Double
    var cap: Double = .infinity

    func cdf(_ x: Double) -> Double {
        let waits = x - fixed
        if waits >= cap { return 1 }
        return first.sumCDF(second, waits - thirdMean)
    }
}
