import Autoscaler
import Foundation
import MetricsClient
import Testing

/// Random policies, histories and outcomes, including NaN, infinities, negatives and huge
/// values: the decision stays within the target's bounds and respects the holds.
struct DecisionEnginePropertyTests {
    static let caseCount = 5000

    @Test func decisionsStayWithinBounds() {
        var random = SeededGenerator(seed: 0x4865_6164_726F_6F6D)
        for index in 0..<Self.caseCount {
            let target = Self.randomTarget(&random)
            let outcomes = Dictionary(
                uniqueKeysWithValues: target.signals.compactMap { signal in
                    Self.randomOutcome(&random).map { (signal.name, $0) }
                }
            )
            let spec = Self.randomReplicas(&random)
            let decision = DecisionEngine.decide(
                target: target,
                outcomes: outcomes,
                specReplicas: spec,
                readyReplicas: Self.randomReplicas(&random),
                history: Self.randomHistory(&random, signals: target.signals),
                now: EngineFixture.at(Double.random(in: -1000...1000, using: &random))
            )
            let desired = decision.desiredReplicas
            let current = decision.currentReplicas

            if current == 0 && target.minReplicas > 0 {
                #expect(desired == 0 && decision.reason == .scalingDisabled, "case \(index)")
                continue
            }
            #expect(desired >= target.minReplicas && desired <= target.maxReplicas, "case \(index): \(decision)")
            guard current >= target.minReplicas && current <= target.maxReplicas else { continue }

            let reports = decision.signals
            let anyInvalid = reports.contains { !$0.status.isValid }
            let guardActive = reports.contains { $0.status == .guardActive }
            if anyInvalid || guardActive {
                #expect(desired >= current, "case \(index): scale-down despite a hold: \(decision.message)")
            }
            if !reports.contains(where: { $0.role == .scale && $0.status.isValid }) {
                #expect(desired == current, "case \(index): moved without a valid scale signal")
            }
        }
    }

    static func randomTarget(_ random: inout SeededGenerator) -> TargetPolicy {
        let minimum = Int.random(in: 0...20, using: &random)
        let maximum = max(1, minimum + Int.random(in: 0...500, using: &random))
        var signals = (0..<Int.random(in: 1...3, using: &random)).map { index in
            randomSignal(&random, name: "s\(index)")
        }
        if minimum == 0 || !signals.contains(where: { $0.role == .scale }) {
            signals.append(EngineFixture.perReplica(Double.random(in: 0.001...1000, using: &random), name: "total"))
        }
        return EngineFixture.target(
            min: minimum,
            max: maximum,
            signals: signals,
            behavior: ScalingBehavior(scaleUp: randomRules(&random), scaleDown: randomRules(&random)),
            mode: Bool.random(using: &random) ? .scale : .observe
        )
    }

    static func randomSignal(_ random: inout SeededGenerator, name: String) -> SignalPolicy {
        let thresholds: [Double] = [1e-9, 0.001, 0.1, 1, 80, 1e6, 1e300]
        let threshold = thresholds.randomElement(using: &random) ?? 1
        var signal: SignalPolicy
        switch Int.random(in: 0..<4, using: &random) {
        case 0: signal = EngineFixture.perReplica(threshold, name: name)
        case 1: signal = EngineFixture.utilization(name, fraction: threshold)
        case 2:
            signal = EngineFixture.latency(
                name,
                seconds: threshold,
                maxStepFactor: .random(in: 1.01...100, using: &random)
            )
        default: signal = EngineFixture.guardSignal(name, fraction: threshold)
        }
        signal.recoveryCycles = Int.random(in: 0...5, using: &random)
        signal.onEmpty = Bool.random(using: &random) ? .zero : .noData
        return signal
    }

    static func randomRules(_ random: inout SeededGenerator) -> ScalingRules {
        let policies = (0..<Int.random(in: 1...3, using: &random)).map { _ in
            RatePolicy(
                type: Bool.random(using: &random) ? .pods : .percent,
                value: [1, 4, 10, 100, 1000, Int(Int32.max)].randomElement(using: &random) ?? 1,
                periodSeconds: Int.random(in: 1...1800, using: &random)
            )
        }
        return ScalingRules(
            stabilizationWindowSeconds: Int.random(in: 0...3600, using: &random),
            selectPolicy: SelectPolicy.allCases.randomElement(using: &random) ?? .max,
            policies: policies,
            tolerance: Double.random(in: 0..<1, using: &random)
        )
    }

    /// An outcome, or `nil` for a signal missing from the input.
    static func randomOutcome(_ random: inout SeededGenerator) -> SampleOutcome? {
        let values: [Double] = [
            .nan, .infinity, -.infinity, -4.53e6, -0.0, 0, 1e-300, 0.5, 3, 1000, 2.0e8,
            214_748_365, 3.0e8, 1e300, .greatestFiniteMagnitude, Double(Int.max),
        ]
        let value = values.randomElement(using: &random) ?? 0
        let age = Duration.seconds(Int.random(in: 0...600, using: &random))
        switch Int.random(in: 0..<9, using: &random) {
        case 0: return nil
        case 1: return .empty
        case 2: return .nonFinite(value)
        case 3: return .negative(value)
        case 4: return .stale(value, age: age, maxAge: .seconds(60))
        case 5: return .failed(reason: "connection refused")
        case 6: return .ambiguous(seriesCount: 2)
        case 7: return .value(value, age: nil)
        default: return .value(value, age: age)
        }
    }

    static func randomReplicas(_ random: inout SeededGenerator) -> Int {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: 0
        case 1: Int.random(in: -10...(-1), using: &random)
        case 2: [Int.max, Int.min, Int(Int32.max)].randomElement(using: &random) ?? 0
        default: Int.random(in: 1...600, using: &random)
        }
    }

    static func randomHistory(_ random: inout SeededGenerator, signals: [SignalPolicy]) -> ScalingHistory {
        let time = { (random: inout SeededGenerator) in
            EngineFixture.at(Double.random(in: -5000...1000, using: &random))
        }
        var history = ScalingHistory()
        if Bool.random(using: &random) { history.startedAt = time(&random) }
        for _ in 0..<Int.random(in: 0...20, using: &random) {
            let replicas = [Int.min, -1, 0, 3, 50, 5000, Int.max].randomElement(using: &random) ?? 0
            history.recommendations.append(.init(time: time(&random), replicas: replicas))
        }
        for _ in 0..<Int.random(in: 0...20, using: &random) {
            let change = [Int.min, -100, -1, 1, 4, 100, Int.max].randomElement(using: &random) ?? 0
            history.scaleEvents.append(.init(time: time(&random), change: change))
        }
        for signal in signals where Bool.random(using: &random) {
            history.pendingRecoveryCycles[signal.name] = [Int.min, -1, 0, 2, Int.max].randomElement(using: &random)
        }
        return history
    }
}
