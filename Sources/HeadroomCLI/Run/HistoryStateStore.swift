import Autoscaler
import Foundation
import KubeClient
import Observability
import Synchronization

/// Saves and loads the loop's histories in the annotations of Leases next to the election Lease:
/// `<lease>-state`, then `<lease>-state-1`, `<lease>-state-2` and so on when the state is larger
/// than one shard. Only the leader saves, and only when the histories changed since its last save.
final class HistoryStateStore: Sendable {
    static let stateAnnotation = "headroom.io/state"
    static let versionAnnotation = "headroom.io/state-version"
    /// On the first object only: how many objects hold the state.
    static let shardsAnnotation = "headroom.io/state-shards"
    /// Kubernetes limits all annotations of an object to 256 KiB together; 100 KiB per object
    /// leaves room for the rest of the object and for other tools' annotations.
    static let defaultMaxShardBytes = 100 * 1024

    let namespace: String
    let baseName: String
    let maxShardBytes: Int
    private let store: any LeaseStore
    private let logger: Logger
    private let lastSaved = Mutex<[String: ScalingHistory]?>(nil)

    init(
        namespace: String,
        electionLease: String,
        store: any LeaseStore,
        logger: Logger,
        maxShardBytes: Int = defaultMaxShardBytes
    ) {
        self.namespace = namespace
        baseName = "\(electionLease)-state"
        self.store = store
        self.logger = logger
        self.maxShardBytes = maxShardBytes
    }

    func objectName(shard: Int) -> String {
        shard == 0 ? baseName : "\(baseName)-\(shard)"
    }

    /// The outcome of one attempt to read the saved state.
    enum LoadAttempt: Equatable {
        /// The saved histories, or `nil` when there is no usable state.
        case loaded([String: ScalingHistory]?)
        /// A read failed in a way a later attempt may not, such as a timeout or a 503.
        case failed
    }

    /// Reads every shard; returns `nil` and logs why when there is no usable state, in which
    /// case the loop starts without history.
    func load() async -> [String: ScalingHistory]? {
        guard case .loaded(let histories) = await attemptLoad(retrying: false) else { return nil }
        return histories
    }

    /// Reads every shard. With `retrying`, a transient read failure (see `KubeError.isTransient`)
    /// returns `.failed`, so the caller can try again before it writes. A state that cannot be
    /// used, and without `retrying` any failure, loads as `nil` and is logged.
    func attemptLoad(retrying: Bool) async -> LoadAttempt {
        do {
            guard let first = try await store.lease(namespace: namespace, name: baseName) else {
                logger.info("no saved scaling history; starting without it", ["lease": .string(location(0))])
                return .loaded(nil)
            }
            let count = Int(first.annotations?[Self.shardsAnnotation] ?? "1") ?? 0
            guard (1...1000).contains(count) else {
                throw SavedHistories.Unusable(
                    description: "annotation \(Self.shardsAnnotation) is not a number from 1 to 1000"
                )
            }
            var histories = try Self.histories(in: first, name: location(0))
            for shard in 1..<count {
                guard let lease = try await store.lease(namespace: namespace, name: objectName(shard: shard)) else {
                    throw SavedHistories.Unusable(description: "shard \(location(shard)) of \(count) not found")
                }
                histories.merge(try Self.histories(in: lease, name: location(shard))) { first, _ in first }
            }
            logger.info(
                "loaded saved scaling history",
                ["lease": .string(location(0)), "targets": .int(histories.count), "shards": .int(count)]
            )
            return .loaded(histories)
        } catch let error as KubeError where retrying && error.isTransient {
            logger.warning(
                "reading the saved scaling history failed; retrying before writing",
                ["lease": .string(location(0)), "error": .string("\(error)")]
            )
            return .failed
        } catch {
            logger.warning(
                "saved scaling history not usable; starting without it, so scale-down waits one window",
                ["lease": .string(location(0)), "error": .string("\(error)")]
            )
            return .loaded(nil)
        }
    }

    /// Writes `histories` when they differ from the last save. Returns the bytes written, 0 when
    /// nothing changed, or `nil` when a write failed, so the next call tries again.
    @discardableResult
    func save(_ histories: [String: ScalingHistory], at now: Date) async -> Int? {
        if lastSaved.withLock({ $0 }) == histories { return 0 }
        let shards = SavedHistories.shards(histories, at: now, maxBytes: maxShardBytes)
        var bytes = 0
        do {
            // The first object names the shard count, so it is written last.
            for (index, shard) in shards.enumerated().reversed() {
                let json = String(decoding: shard.encoded(), as: UTF8.self)
                bytes += json.utf8.count
                var annotations = [
                    Self.stateAnnotation: json, Self.versionAnnotation: String(SavedHistories.currentVersion),
                ]
                if index == 0 { annotations[Self.shardsAnnotation] = String(shards.count) }
                try await write(name: objectName(shard: index), annotations: annotations)
            }
        } catch {
            logger.warning(
                "saving the scaling history failed; retrying at the next save",
                ["lease": .string(location(0)), "error": .string("\(error)")]
            )
            return nil
        }
        lastSaved.withLock { $0 = histories }
        return bytes
    }

    /// Creates or replaces the object `name`; after a 409 Conflict, reads it and tries once more.
    private func write(name: String, annotations: [String: String]) async throws(KubeError) {
        for attempt in 1...2 {
            guard var lease = try await store.lease(namespace: namespace, name: name) else {
                _ = try await store.createLease(Lease(name: name, namespace: namespace, annotations: annotations))
                return
            }
            lease.annotations = (lease.annotations ?? [:]).merging(annotations) { _, new in new }
            do {
                _ = try await store.updateLease(lease)
                return
            } catch {
                guard case .conflict = error, attempt == 1 else { throw error }
            }
        }
    }

    private static func histories(in lease: Lease, name: String) throws -> [String: ScalingHistory] {
        guard let json = lease.annotations?[stateAnnotation] else {
            throw SavedHistories.Unusable(description: "\(name) has no \(stateAnnotation) annotation")
        }
        return try SavedHistories.decode(Data(json.utf8)).histories()
    }

    private func location(_ shard: Int) -> String { "\(namespace)/\(objectName(shard: shard))" }
}
