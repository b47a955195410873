import Autoscaler
import Foundation
import KubeClient
import Observability
import Synchronization

/// Leader election on a `coordination.k8s.io/v1` Lease, following client-go's algorithm, so
/// that of several `headroom run` replicas only one writes scales and Events.
///
/// A candidate takes the Lease when it is absent, released (empty holder), or when the record
/// it holds has not changed for the record's `leaseDurationSeconds` as measured by this
/// candidate's own clock since it first saw that record. Measuring from the moment of
/// observation, not from the holder's `renewTime`, keeps clock skew between machines out of the
/// decision. Writes carry the `resourceVersion` that was read, so two candidates cannot both
/// take the Lease: the slower one gets 409 Conflict.
///
/// The leader renews every retry period and stops leading when no renew has succeeded within
/// the renew deadline, which is shorter than the lease duration, so it stops writing before
/// anyone else may start.
final class LeaderElector: Sendable {
    let settings: LeaderElectionSettings
    private let store: any LeaseStore
    private let clock: any LoopClock
    /// Returns a number in [0, 1) for the jitter of the acquire wait.
    private let random: @Sendable () -> Double
    private let logger: Logger
    private let leaderGauge: MetricFamily?
    private let onChange: @Sendable (Bool) -> Void
    private let state = Mutex(ElectorState())

    private struct ElectorState {
        /// The Lease as last read or written.
        var observed: Lease?
        /// Local time at which `observed`'s record was first seen (it changes on every renew).
        var observedTime: Date?
        var leading = false
        /// Local time at which the last successful acquire or renew was sent.
        var lastRenew: Date?
        var released = false
        /// How many times this instance became leader.
        var term = 0
    }

    /// - Parameters:
    ///   - random: jitter source returning values in [0, 1); tests pass a fixed value.
    ///   - onChange: called with `true` on becoming leader and `false` on losing or giving up
    ///     leadership, for example to load persisted state on takeover.
    init(
        settings: LeaderElectionSettings,
        store: any LeaseStore,
        clock: any LoopClock,
        logger: Logger,
        registry: MetricsRegistry? = nil,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        onChange: @escaping @Sendable (Bool) -> Void = { _ in }
    ) {
        self.settings = settings
        self.store = store
        self.clock = clock
        self.logger = logger
        self.random = random
        self.onChange = onChange
        leaderGauge = registry?.gauge(
            "headroom_leader",
            help: "1 while this instance is the leader election Lease holder and may write, else 0."
        )
        leaderGauge?.set(0)
        // Leadership also ends when the renew deadline passes with no successful renew, which no
        // state change marks, so the gauge is computed again at each scrape.
        registry?.onRender { [weak self] in
            guard let self else { return }
            self.leaderGauge?.set(self.isLeader ? 1 : 0)
        }
    }

    /// True while this instance leads and its last successful renew is younger than the renew
    /// deadline. The control loop reads it at the start of each cycle.
    ///
    /// NOTE: a cycle that started as leader finishes its writes even when leadership ends during
    /// it. With the defaults, a cycle longer than lease − renew deadline (5 s) can overlap the
    /// next leader's first cycle.
    var isLeader: Bool {
        let now = clock.now
        let deadline = settings.renewDeadline
        return state.withLock { state in
            guard state.leading, !state.released, let lastRenew = state.lastRenew else { return false }
            return now.timeIntervalSince(lastRenew) < deadline
        }
    }

    /// The number of times this instance became leader, so state restored in one term is not
    /// taken as restored in the next.
    var term: Int { state.withLock { $0.term } }

    /// The Lease as last read or written, for tests and logs.
    var observedLease: Lease? { state.withLock { $0.observed } }

    /// Campaigns, leads, and campaigns again after a loss, until the task is cancelled or the
    /// Lease was released.
    func run() async {
        while !Task.isCancelled, !state.withLock({ $0.released }) {
            guard await acquire() else { return }
            await renewUntilLost()
        }
    }

    /// Tries to take the Lease, waiting the retry period plus up to 1.2 retry periods of jitter
    /// between attempts. Returns false when cancelled first.
    func acquire() async -> Bool {
        while !Task.isCancelled, !state.withLock({ $0.released }) {
            if await tryAcquireOrRenew() {
                setLeading(true)
                return true
            }
            let wait = settings.retryPeriod * (1 + LeaderElectionSettings.jitterFactor * random())
            do {
                try await clock.sleep(for: .seconds(wait))
            } catch {
                return false
            }
        }
        return false
    }

    /// Makes one attempt to take the Lease, for `--once`.
    func campaignOnce() async {
        if await tryAcquireOrRenew() { setLeading(true) }
    }

    /// Renews every retry period. A round that has not succeeded within the renew deadline ends
    /// leadership. Returns on loss or cancellation.
    func renewUntilLost() async {
        while !Task.isCancelled {
            let roundStart = clock.now
            var renewed = false
            while !Task.isCancelled {
                renewed = await tryAcquireOrRenew()
                let elapsed = clock.now.timeIntervalSince(roundStart)
                if renewed, elapsed <= settings.renewDeadline { break }
                renewed = false
                if elapsed + settings.retryPeriod >= settings.renewDeadline { break }
                do {
                    try await clock.sleep(for: .seconds(settings.retryPeriod))
                } catch {
                    return
                }
            }
            if Task.isCancelled { return }
            guard renewed else {
                logger.warning(
                    "leadership lost: the Lease was not renewed within the renew deadline",
                    leaseFields(["renewDeadlineSeconds": .double(settings.renewDeadline)])
                )
                setLeading(false)
                return
            }
            do {
                try await clock.sleep(for: .seconds(settings.retryPeriod))
            } catch {
                return
            }
        }
    }

    /// Makes one attempt to take or renew the Lease. Returns true when this instance is the holder afterwards.
    func tryAcquireOrRenew() async -> Bool {
        let now = clock.now
        let (observed, observedTime, leading) = state.withLock { ($0.observed, $0.observedTime, $0.leading) }

        // A leader whose record is still valid renews its cached copy without reading first.
        if leading, let observed, observed.holderIdentity == settings.identity, let observedTime,
            observedTime.addingTimeInterval(Double(observed.leaseDurationSeconds ?? 0)) > now
        {
            var next = observed
            next.renewTime = now
            do {
                let written = try await store.updateLease(next)
                recordWrite(written, sentAt: now)
                return true
            } catch {
                logger.debug("renewing the cached Lease failed; reading it again", leaseFields(error: error))
            }
        }

        let current: Lease?
        do {
            current = try await store.lease(namespace: settings.namespace, name: settings.leaseName)
        } catch {
            logger.warning("reading the leader election Lease failed", leaseFields(error: error))
            return false
        }
        guard let current else {
            let fresh = Lease(
                name: settings.leaseName,
                namespace: settings.namespace,
                holderIdentity: settings.identity,
                leaseDurationSeconds: settings.leaseDurationSeconds,
                acquireTime: now,
                renewTime: now,
                leaseTransitions: 0
            )
            do {
                let written = try await store.createLease(fresh)
                recordWrite(written, sentAt: now)
                return true
            } catch {
                logger.info("creating the leader election Lease failed", leaseFields(error: error))
                return false
            }
        }

        let seenAt = observe(current)
        let holder = current.holderIdentity ?? ""
        if !holder.isEmpty, holder != settings.identity,
            seenAt.addingTimeInterval(Double(current.leaseDurationSeconds ?? 0)) > now
        {
            return false
        }

        var next = current
        next.holderIdentity = settings.identity
        next.leaseDurationSeconds = settings.leaseDurationSeconds
        next.renewTime = now
        if holder != settings.identity {
            next.acquireTime = now
            next.leaseTransitions = (current.leaseTransitions ?? 0) + 1
        }
        do {
            let written = try await store.updateLease(next)
            recordWrite(written, sentAt: now)
            return true
        } catch {
            logger.info("taking or renewing the Lease failed", leaseFields(error: error))
            return false
        }
    }

    /// Gives the Lease up once, as client-go's ReleaseOnCancel does: one write with an empty
    /// holder and a 1 second duration, so a standby takes over at its next attempt instead of
    /// waiting out the lease duration. Writing stops before the request is sent. A failure is
    /// logged, not retried. Returns true when the release was written.
    @discardableResult
    func release() async -> Bool {
        let observed = state.withLock { state -> Lease? in
            guard !state.released else { return nil }
            state.released = true
            return state.observed
        }
        let wasLeading = state.withLock { $0.leading }
        setLeading(false)
        guard wasLeading, let observed, observed.holderIdentity == settings.identity else { return false }
        let now = clock.now
        var next = observed
        next.holderIdentity = ""
        next.leaseDurationSeconds = 1
        next.acquireTime = now
        next.renewTime = now
        do {
            let written = try await store.updateLease(next)
            state.withLock { $0.observed = written }
            logger.info("released the leader election Lease", leaseFields())
            return true
        } catch {
            logger.warning("releasing the leader election Lease failed", leaseFields(error: error))
            return false
        }
    }

    /// Remembers `lease` and returns the local time its record was first seen.
    private func observe(_ lease: Lease) -> Date {
        let now = clock.now
        return state.withLock { state in
            if let previous = state.observed, let seen = state.observedTime, Self.sameRecord(previous, lease) {
                state.observed = lease
                return seen
            }
            state.observed = lease
            state.observedTime = now
            return now
        }
    }

    private func recordWrite(_ lease: Lease, sentAt: Date) {
        let now = clock.now
        state.withLock { state in
            state.observed = lease
            state.observedTime = now
            state.lastRenew = sentAt
        }
    }

    private func setLeading(_ leading: Bool) {
        let changed = state.withLock { state -> Bool in
            let next = leading && !state.released
            defer { state.leading = next }
            if next, !state.leading { state.term += 1 }
            return state.leading != next
        }
        leaderGauge?.set(isLeader ? 1 : 0)
        guard changed else { return }
        if leading {
            logger.info("became leader; this instance now writes scales and Events", leaseFields())
        } else {
            logger.info("not leading; this instance keeps deciding but writes nothing", leaseFields())
        }
        onChange(leading)
    }

    /// True when two Leases hold the same election record; the `resourceVersion` is left out,
    /// as client-go compares records, not object versions.
    static func sameRecord(_ first: Lease, _ second: Lease) -> Bool {
        first.holderIdentity == second.holderIdentity && first.leaseDurationSeconds == second.leaseDurationSeconds
            && first.acquireTime == second.acquireTime && first.renewTime == second.renewTime
            && first.leaseTransitions == second.leaseTransitions
    }

    private func leaseFields(_ extra: [String: LogValue] = [:], error: (any Error)? = nil) -> [String: LogValue] {
        var fields = extra
        fields["lease"] = .string("\(settings.namespace)/\(settings.leaseName)")
        fields["identity"] = .string(settings.identity)
        if let error { fields["error"] = .string("\(error)") }
        return fields
    }
}
