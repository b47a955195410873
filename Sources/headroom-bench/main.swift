import Autoscaler
import Foundation
import MetricsClient
import Simulator

// `headroom-bench`: decisions per second of DecisionEngine against the HPA formula on the
// same inputs, each a target with four utilization signals and a history carried between
// cycles. Usage: headroom-bench [DECISIONS] (default 200000). Prints one line per method.

let policyText = """
    apiVersion: headroom.io/v1alpha1
    kind: ScalingPolicy
    targets:
      - namespace: bench
        name: app
        minReplicas: 1
        maxReplicas: 50
        signals:
          - {name: cpu, query: 'cpu{namespace="{{namespace}}",d="{{name}}"}', target: 70%, rule: utilization}
          - {name: queue, query: 'queue{namespace="{{namespace}}",d="{{name}}"}', target: 10, rule: utilization}
          - {name: inflight, query: 'inflight{namespace="{{namespace}}",d="{{name}}"}', target: 4, rule: utilization}
          - {name: pool, query: 'pool{namespace="{{namespace}}",d="{{name}}"}', target: 80%, rule: utilization}

    """

let arguments = CommandLine.arguments.dropFirst()
let count = arguments.first.flatMap { Int($0) }.map { min(max($0, 1000), 10_000_000) } ?? 200_000
let result = try PolicyLoader.load(text: policyText, file: "bench.yaml")
guard let target = result.targets.first, result.problems.isEmpty else {
    FileHandle.standardError.write(Data("headroom-bench: the built-in policy is invalid: \(result.problems)\n".utf8))
    exit(1)
}
let names = target.signals.map(\.name)
let thresholds = target.signals.map(\.threshold)

// 4,096 input sets reused round-robin keep memory small and the loop bound by compute.
var random = SeededSequence()
var inputs: [(replicas: Int, values: [Double])] = []
for _ in 0..<4096 {
    let replicas = 1 + Int(random.nextUnit() * 40)
    inputs.append((replicas, thresholds.map { $0 * (0.3 + 1.5 * random.nextUnit()) }))
}
let outcomes: [[String: SampleOutcome]] = inputs.map { input in
    Dictionary(uniqueKeysWithValues: zip(names, input.values.map { SampleOutcome.value($0, age: .seconds(5)) }))
}

func measure(_ body: () -> Int) -> (seconds: Double, checksum: Int) {
    let clock = ContinuousClock()
    var checksum = 0
    let elapsed = clock.measure { checksum = body() }
    let (seconds, attoseconds) = elapsed.components
    return (Double(seconds) + Double(attoseconds) / 1e18, checksum)
}

let start = Date(timeIntervalSince1970: 1_700_000_000)
let engine = measure {
    var history = ScalingHistory()
    var sum = 0
    for index in 0..<count {
        let input = index % inputs.count
        let decision = DecisionEngine.decide(
            target: target,
            outcomes: outcomes[input],
            specReplicas: inputs[input].replicas,
            readyReplicas: inputs[input].replicas,
            history: history,
            now: start.addingTimeInterval(15 * Double(index))
        )
        history = decision.history
        sum &+= decision.desiredReplicas
    }
    return sum
}
let hpa = measure {
    var sum = 0
    for index in 0..<count {
        let input = inputs[index % inputs.count]
        sum &+= HPAFormula.desiredReplicas(
            current: input.replicas,
            values: input.values,
            targets: thresholds,
            minReplicas: target.minReplicas,
            maxReplicas: target.maxReplicas
        )
    }
    return sum
}

// The simulator's HPA model with its behavior state carried, fed the first signal as its
// External metric (value per replica against the first threshold), one sync every 15 s.
let hpaModel = measure {
    var model = HPAModel(
        targetAverageValue: thresholds[0],
        minReplicas: target.minReplicas,
        maxReplicas: target.maxReplicas
    )
    var sum = 0
    for index in 0..<count {
        let input = inputs[index % inputs.count]
        let observation = SimulatedObservation(
            time: 15 * Double(index),
            specReplicas: input.replicas,
            readyPods: input.replicas,
            unreadyPods: 0,
            requestRate: input.values[0] * Double(input.replicas),
            concurrency: [:]
        )
        sum &+= model.decide(observation) ?? input.replicas
    }
    return sum
}

func rate(_ seconds: Double) -> String { String(format: "%.0f", Double(count) / max(seconds, 1e-9)) }
print("decisions:                      \(count) (4 signals, history carried, same inputs for both)")
print(
    "DecisionEngine.decide:          \(rate(engine.seconds)) decisions/s (\(String(format: "%.3f", engine.seconds)) s)"
)
print("HPA formula (baseline):         \(rate(hpa.seconds)) decisions/s (\(String(format: "%.3f", hpa.seconds)) s)")
print(
    "engine cost per decision:       \(String(format: "%.1f", hpa.seconds > 0 ? engine.seconds / hpa.seconds : 0))x the formula"
)
print(
    "HPAModel.decide (simulator):    \(rate(hpaModel.seconds)) decisions/s (\(String(format: "%.3f", hpaModel.seconds)) s)"
)
print(
    "engine cost per decision:       \(String(format: "%.1f", hpaModel.seconds > 0 ? engine.seconds / hpaModel.seconds : 0))x the HPA model"
)
print("checksums (engine, formula, model): \(engine.checksum), \(hpa.checksum), \(hpaModel.checksum)")
