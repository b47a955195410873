import Foundation

/// The flash sale the testbed end-to-end test runs, the policy it gives Headroom, and the
/// numbers worked out by hand from them.
///
/// Time is compressed F = 10 times: one wall second is ten model seconds, and Prometheus reads
/// every model rate multiplied by 10. The policy divides every model duration by F instead:
/// a 10 s model cycle is a 1 s interval, a 300 s scale-down window is 30 s.
///
/// Load in model requests/s: 60 until model second 200, a ramp to 2400 over 60 s, 300 s at 2400,
/// a ramp back over 60 s, then 60 until second 1300. In wall seconds after the testbed's start:
/// the ramp runs 20 to 26 s, the peak 26 to 56 s, the fall 56 to 62 s, the load ends at 130 s.
///
/// Signal: `sum(rate(nginx_ingress_controller_requests[5s]))`, perReplica with target
/// 35 × F = 350 per replica, tolerance 0.1 (the default).
/// - Base 60 × 10 = 600/s: at the floor of 2 replicas the ratio is 600 / 700 = 0.86, below the
///   tolerance band, and the proposal ceil(600 / 350) = 2 is the floor, so Headroom holds at 2.
/// - Scale-up threshold at 2 replicas: 350 × 2 × 1.1 = 770/s.
/// - Peak 2400 × 10 = 24 000/s proposes ceil(24 000 / 350) = ceil(68.6) = 69, above
///   maxReplicas 60, so the peak count is exactly 60. Poisson noise on a 5 s window of
///   24 000/s is about 0.3 %, far from the 14 % that would bring 69 down to 60.
/// - Scale-up policies Percent 100 and Pods 4 per 1 s (the HPA's 15 s defaults at one cycle)
///   cap the first step from 2 at max(2 + 100 %, 2 + 4) = 6.
/// - "Falls": the proposal is at the floor once the rate is at most 350 × 2 = 700/s.
enum FlashSalePlan {
    static let compression = 10.0
    static let load = "flash-sale:60:2400:200:60:300:1300"
    /// Wall seconds from the testbed's start to the end of the load.
    static let loadWallSeconds = 130.0
    /// Wall seconds after the testbed's start at which the ramp begins.
    static let rampStartWallSeconds = 20.0

    static let namespace = "shop"
    static let deployment = "api"
    static let target = "Deployment shop/api"
    static let scalePath = "/apis/apps/v1/namespaces/shop/deployments/api/scale"

    static let minReplicas = 2
    static let maxReplicas = 60
    /// Requests/s per replica as Prometheus reports them: 35 model requests/s times F.
    static let perReplicaTarget = 350.0
    static let tolerance = 0.1
    /// The controller cycle, seconds.
    static let interval = 1.0
    static let scaleDownWindow = 30.0
    /// The first scale-up from 2 may reach at most max(2 × 2, 2 + 4) = 6.
    static let firstStepCap = 6
    /// 24 000/s at 350 per replica proposes 69; maxReplicas caps it.
    static let expectedPeak = 60

    /// The identities the testbed maps its tokens to.
    static let realIdentity = "headroom"
    static let dryRunIdentity = "headroom-dry-run"
    static let kubectlIdentity = "e2e-kubectl"

    /// The signal's query with the target's labels filled in, as Prometheus evaluates it.
    static let signalQuery =
        #"sum(rate(nginx_ingress_controller_requests{namespace="shop",ingress="api"}[5s]))"#

    /// Returns the rate above which a perReplica signal scales up from `current` replicas.
    static func scaleUpThreshold(current: Int) -> Double {
        perReplicaTarget * Double(current) * (1 + tolerance)
    }

    /// Returns the count the signal proposes at `rate`, clamped to the replica bounds, before any
    /// tolerance, window or rate policy.
    static func proposal(rate: Double) -> Int {
        let raw = Int((rate / perReplicaTarget).rounded(.up))
        return min(max(raw, minReplicas), maxReplicas)
    }

    static let policy = """
        apiVersion: headroom.io/v1alpha1
        kind: ScalingPolicy
        targets:
          - kind: Deployment
            namespace: shop
            name: api
            minReplicas: 2
            maxReplicas: 60
            signals:
              - name: requests
                query: 'sum(rate(nginx_ingress_controller_requests{namespace="{{namespace}}",ingress="{{name}}"}[5s]))'
                target: 350
                rule: perReplica
                maxSampleAge: 10s
            behavior:
              scaleUp:
                stabilizationWindowSeconds: 0
                selectPolicy: Max
                policies:
                  - {type: Percent, value: 100, periodSeconds: 1}
                  - {type: Pods, value: 4, periodSeconds: 1}
              scaleDown:
                stabilizationWindowSeconds: 30
                policies:
                  - {type: Percent, value: 100, periodSeconds: 1}

        """
}
