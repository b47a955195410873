/// The Knative Pod Autoscaler's decider (`pkg/autoscaler/scaling/autoscaler.go`) on
/// concurrency, with the KPA reconciler's bounds and scale to zero.
///
/// Each tick (2 s):
/// - The observed totals are the average concurrency per Ready pod over each window times the
///   Ready pods. The model reads `observation.concurrency[stableWindow]` and `[panicWindow]`,
///   so the simulator must provide exactly the windows in `windows`.
/// - Target per pod = `targetConcurrency` × `targetUtilization`; desired stable and panic
///   counts are ceil(total ÷ target), held in [floor(ready ÷ `maxScaleDownRate`),
///   ceil(ready × `maxScaleUpRate`)], with ready counted as at least 1.
/// - Panic starts, or is extended, on any tick where the panic count ÷ ready ≥
///   `panicThreshold`. It ends on the first tick without that trigger that comes more than one
///   stable window after the last trigger. While panicking the result is the largest of the stable and
///   panic counts seen since panic began: it never goes down.
/// - The result is held in [`minReplicas`, `maxReplicas`]. With `minReplicas` 0, a result of 0
///   is written only after it has held for `scaleToZeroGracePeriod`; at 0 replicas any request
///   (requestRate > 0, which the activator would buffer) scales to 1.
///
/// Missing windows are "no data": no change.
public struct KPAModel: SimulatedAutoscaler {
    public var name: String
    /// `tick-interval`.
    public var period: Double
    /// The per-pod concurrency target (`autoscaling.knative.dev/target`).
    public var targetConcurrency: Double
    /// `container-concurrency-target-percentage` as a fraction.
    public var targetUtilization: Double
    /// `stable-window`, seconds.
    public var stableWindow: Double
    /// `panic-window-percentage` × `stableWindow`, seconds.
    public var panicWindow: Double
    /// `panic-threshold-percentage` as a fraction (2 = 200 %).
    public var panicThreshold: Double
    public var maxScaleUpRate: Double
    public var maxScaleDownRate: Double
    public var minReplicas: Int
    public var maxReplicas: Int
    public var scaleToZeroGracePeriod: Double

    private var schedule: RunSchedule
    /// Time of the last panic trigger, nil when not panicking.
    private var panicTime: Double?
    private var maxPanicPods = 0
    /// Since when the decider has asked for 0 pods.
    private var zeroSince: Double?

    public init(
        name: String = "kpa",
        targetConcurrency: Double,
        targetUtilization: Double = 0.7,
        stableWindow: Double = 60,
        panicWindowPercentage: Double = 10,
        panicThreshold: Double = 2,
        maxScaleUpRate: Double = 1000,
        maxScaleDownRate: Double = 2,
        minReplicas: Int,
        maxReplicas: Int,
        tickInterval: Double = 2,
        scaleToZeroGracePeriod: Double = 30
    ) {
        precondition(targetConcurrency > 0 && targetUtilization > 0, "the concurrency target must be > 0")
        precondition(stableWindow > 0 && panicWindowPercentage > 0, "windows must be > 0")
        precondition(maxScaleUpRate > 1 && maxScaleDownRate > 1, "scale rates must be > 1")
        precondition(minReplicas >= 0 && maxReplicas >= max(1, minReplicas), "need 0 ≤ minReplicas ≤ maxReplicas")
        self.name = name
        self.period = tickInterval
        self.targetConcurrency = targetConcurrency
        self.targetUtilization = targetUtilization
        self.stableWindow = stableWindow
        self.panicWindow = stableWindow * panicWindowPercentage / 100
        self.panicThreshold = panicThreshold
        self.maxScaleUpRate = maxScaleUpRate
        self.maxScaleDownRate = maxScaleDownRate
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.scaleToZeroGracePeriod = scaleToZeroGracePeriod
        self.schedule = RunSchedule(period: tickInterval)
    }

    /// `kpa-tuned`: a 30 s stable window (3 s panic window) for faster scale-down.
    public static func tuned(targetConcurrency: Double, minReplicas: Int, maxReplicas: Int) -> KPAModel {
        KPAModel(
            name: "kpa-tuned",
            targetConcurrency: targetConcurrency,
            stableWindow: 30,
            minReplicas: minReplicas,
            maxReplicas: maxReplicas
        )
    }

    /// The concurrency windows, in seconds, this model reads from each observation.
    public var windows: [Double] { [panicWindow, stableWindow] }

    /// Whether the last tick ran in panic mode.
    public var isPanicking: Bool { panicTime != nil }

    public mutating func decide(_ observation: SimulatedObservation) -> Int? {
        guard schedule.isDue(at: observation.time) else { return nil }
        let now = observation.time
        let current = observation.specReplicas

        if current == 0 {
            // The activator buffers the first request and requests a pod at once.
            let waiting = (observation.requestRate ?? 0) > 0
            return waiting || minReplicas > 0 ? max(1, minReplicas) : nil
        }
        guard let stable = observation.concurrency[stableWindow],
            let panic = observation.concurrency[panicWindow]
        else { return nil }

        let ready = Double(max(1, observation.readyPods))
        let target = targetConcurrency * targetUtilization
        let totalStable = stable * Double(observation.readyPods)
        let totalPanic = panic * Double(observation.readyPods)
        let upperBound = (maxScaleUpRate * ready).rounded(.up)
        let lowerBound = (ready / maxScaleDownRate).rounded(.down)
        let stablePods = (totalStable / target).rounded(.up)
        let panicPods = (totalPanic / target).rounded(.up)
        let desiredStable = BaselineMath.replicasRoundingDown(min(max(stablePods, lowerBound), upperBound))
        let desiredPanic = BaselineMath.replicasRoundingDown(min(max(panicPods, lowerBound), upperBound))

        let overThreshold = panicPods / ready >= panicThreshold
        if overThreshold {
            panicTime = now
        } else if let since = panicTime, since + stableWindow < now {
            panicTime = nil
            maxPanicPods = 0
        }

        var desired = desiredStable
        if panicTime != nil {
            maxPanicPods = max(maxPanicPods, desiredStable, desiredPanic)
            desired = maxPanicPods
        }
        desired = min(max(desired, minReplicas), maxReplicas)

        if desired == 0 {
            let since = zeroSince ?? now
            zeroSince = since
            if now - since < scaleToZeroGracePeriod { desired = max(1, min(current, maxReplicas)) }
        } else {
            zeroSince = nil
        }
        return desired == current ? nil : desired
    }
}
