import Foundation

/// One FIFO server with Poisson arrivals and a fixed service time (M/D/1) in steady state.
///
/// The waiting time has Erlang's closed form: for t ≥ 0 with k = ⌊t ÷ D⌋,
/// P(W ≤ t) = (1 − ρ) Σ_{j=0…k} (−λ(t − jD))^j ÷ j! · e^{λ(t − jD)}, ρ = λD.
/// The sum alternates, so its terms grow like e^{λt} while the result stays ≤ 1; in `Double`
/// it keeps about six correct digits while t ≤ 25 D, and `maximumWait` caps t there.
struct MD1Queue: Sendable {
    /// Service time D in seconds.
    let serviceTime: Double

    /// The maximum wait, in service times, at which the alternating sum stays accurate.
    static let maximumWaitInServiceTimes = 25.0

    /// P(W ≤ `wait`) at `arrivalRate` requests per second; 0 when the queue is unstable.
    func probabilityOfWaitingAtMost(_ wait: Double, arrivalRate: Double) -> Double {
        let load = arrivalRate * serviceTime
        guard wait >= 0 else { return 0 }
        guard load > 0 else { return 1 }
        guard load < 1 else { return 0 }
        guard wait.isFinite else { return 1 }
        let intervals = Int((wait / serviceTime).rounded(.down))
        var sum = 0.0
        for j in 0...intervals {
            let x = arrivalRate * (wait - Double(j) * serviceTime)
            // j = 0 contributes e^x; for j ≥ 1 a zero x (t an exact multiple of D) adds 0.
            guard j == 0 || x > 0 else { continue }
            let logMagnitude = (j == 0 ? 0 : Double(j) * Foundation.log(x)) - Foundation.lgamma(Double(j + 1)) + x
            let term = Foundation.exp(logMagnitude)
            sum += j.isMultiple(of: 2) ? term : -term
        }
        return min(1, max(0, (1 - load) * sum))
    }

    /// Finds the largest arrival rate whose `quantile` of the waiting time is ≤ `wait`. P(W ≤ t)
    /// falls as ρ rises, so the rates that meet the bound form an interval from 0 and bisection
    /// on ρ ∈ [0, 1) finds its end. Returns 0 when even an idle server misses the bound.
    func largestArrivalRate(waitAtMost wait: Double, quantile: Double) -> Double {
        let wait = min(wait, Self.maximumWaitInServiceTimes * serviceTime)
        guard wait >= 0 else { return 0 }
        var meets = 0.0
        var misses = 1.0
        // 60 halvings pin ρ to below 1e-15, far finer than the rounding of replicas.
        for _ in 0..<60 {
            let load = (meets + misses) / 2
            if probabilityOfWaitingAtMost(wait, arrivalRate: load / serviceTime) >= quantile {
                meets = load
            } else {
                misses = load
            }
        }
        return meets / serviceTime
    }
}
