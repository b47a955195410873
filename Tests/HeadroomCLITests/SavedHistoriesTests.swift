import Autoscaler
import FleetModel
import Foundation
import Testing

@testable import HeadroomCLI

/// The compact saved form of the loop's histories: what it keeps, its size, and its versions.
struct SavedHistoriesTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    static func at(_ seconds: Double) -> Date { base.addingTimeInterval(seconds) }

    static func recommendations(_ replicas: [Int], every seconds: Double = 1) -> [ScalingHistory.Recommendation] {
        replicas.enumerated().map {
            ScalingHistory.Recommendation(time: at(Double($0.offset) * seconds), replicas: $0.element)
        }
    }

    /// Of 5, 3, 4, 4, 2, 6, 3 only the last three matter. 2 is below every later value, 6 is above
    /// every later one, and 3 is the last. Each earlier value lies between later ones.
    @Test func decisiveKeepsOnlyExtremesOfLaterValues() {
        let decisive = SavedHistories.decisive(Self.recommendations([5, 3, 4, 4, 2, 6, 3]))

        #expect(decisive.map(\.replicas) == [2, 6, 3])
        #expect(decisive.map(\.time) == [Self.at(4), Self.at(5), Self.at(6)])
    }

    /// For random sequences, the minimum and maximum over each window ending after the last
    /// recommendation are the same with the decisive recommendations as with all of them.
    @Test func decisiveKeepsEveryWindowExtreme() {
        var generator = SeededRandom(seed: 3)
        for _ in 0..<200 {
            let replicas = (0..<20).map { _ in Int.random(in: 1...9, using: &generator) }
            let all = Self.recommendations(replicas, every: 15)
            let decisive = SavedHistories.decisive(all)
            for offset in [1.0, 15, 100, 299, 301] {
                let now = Self.at(19 * 15 + offset)
                for window in [15.0, 60, 120, 300] {
                    let inAll = all.filter { now.timeIntervalSince($0.time) < window }.map(\.replicas)
                    let inDecisive = decisive.filter { now.timeIntervalSince($0.time) < window }.map(\.replicas)
                    #expect(inAll.max() == inDecisive.max())
                    #expect(inAll.min() == inDecisive.min())
                }
            }
        }
    }

    /// Whole-second times come back unchanged; the decreasing recommendations are all decisive.
    @Test func roundTripKeepsWholeSecondHistories() throws {
        let history = ScalingHistory(
            startedAt: Self.at(-600),
            recommendations: Self.recommendations([9, 8, 7], every: 15),
            scaleEvents: [.init(time: Self.at(-45), change: 4), .init(time: Self.at(15), change: -1)],
            pendingRecoveryCycles: ["queue": 2],
            panic: .init(since: Self.at(-30), lastTriggered: Self.at(0))
        )

        let saved = SavedHistories(histories: ["Deployment shop/api": history], at: Self.at(40))
        let decoded = try SavedHistories.decode(saved.encoded()).histories()

        #expect(decoded == ["Deployment shop/api": history])
    }

    /// The last scale time and the outside-writer tracking come back unchanged at whole seconds,
    /// overrides ordered by time as the loop appends them.
    @Test func roundTripKeepsOutsideWriters() throws {
        let writers = ScalingHistory.OutsideWriters(
            lastWritten: 5,
            overrides: [
                .init(time: Self.at(-300), manager: "argocd-controller"),
                .init(time: Self.at(-200), manager: "kubectl-edit"),
                .init(time: Self.at(-100), manager: "argocd-controller"),
            ],
            conflictingManager: "argocd-controller"
        )
        let history = ScalingHistory(startedAt: Self.at(-600), lastScaleTime: Self.at(-50), outsideWriters: writers)

        let saved = SavedHistories(histories: ["Deployment shop/api": history], at: Self.at(0))
        let decoded = try SavedHistories.decode(saved.encoded()).histories()

        #expect(decoded["Deployment shop/api"]?.outsideWriters == writers)
        #expect(decoded["Deployment shop/api"]?.lastScaleTime == Self.at(-50))
        #expect(decoded == ["Deployment shop/api": history])
    }

    /// A target whose signals failed for 2 cycles in a row keeps that count, so a restarted
    /// loop applies the fallback after the same number of failed cycles in all.
    @Test func unavailableCyclesRoundTrip() throws {
        var history = ScalingHistory(startedAt: Self.at(-60))
        history.unavailableCycles = 2

        let saved = SavedHistories(histories: ["Deployment a/b": history], at: Self.at(0))
        let text = String(decoding: saved.encoded(), as: UTF8.self)
        let decoded = try SavedHistories.decode(saved.encoded()).histories()

        #expect(text == #"{"h":{"Deployment":{"a":{"b":{"s":60,"u":2}}}},"t":1800000000,"v":1}"#)
        #expect(decoded["Deployment a/b"]?.unavailableCycles == 2)
        #expect(decoded == ["Deployment a/b": history])
    }

    /// Saved at base + 0.7 s, so `t` is base + 1 s; a recommendation at base − 99.6 s is
    /// floor(100.6) = 100 s old and comes back at base − 99 s, later and never earlier.
    @Test func fractionalTimesRoundToTheLaterSecond() throws {
        let history = ScalingHistory(
            startedAt: Self.at(-299.2),
            recommendations: [.init(time: Self.at(-99.6), replicas: 4)]
        )

        let saved = SavedHistories(histories: ["Deployment shop/api": history], at: Self.at(0.7))
        let decoded = try #require(try SavedHistories.decode(saved.encoded()).histories()["Deployment shop/api"])

        #expect(saved.savedAt == 1_800_000_001)
        #expect(saved.targets["Deployment shop/api"]?.recommendations == [100, 4])
        #expect(decoded.recommendations.first?.time == Self.at(-99))
        #expect(decoded.startedAt == Self.at(-299))
    }

    /// Recommendations 9, 8, 7 at 0, 15 and 30 s, saved at 40 s. The first is 40 s old, then come
    /// gaps of 15 s, and the target is nested under its kind, namespace and name.
    @Test func documentNestsTargetsAndStoresGaps() {
        let history = ScalingHistory(
            startedAt: Self.at(-5),
            recommendations: Self.recommendations([9, 8, 7], every: 15)
        )
        let saved = SavedHistories(histories: ["Deployment a/b": history], at: Self.at(40))
        let text = String(decoding: saved.encoded(), as: UTF8.self)

        #expect(text == #"{"h":{"Deployment":{"a":{"b":{"r":[40,9,15,8,15,7],"s":45}}}},"t":1800000040,"v":1}"#)
    }

    /// A later release may add keys; this one ignores them and reads the rest.
    @Test func unknownKeysFromALaterReleaseAreIgnored() throws {
        let text = #"{"v":1,"t":1800000000,"q":true,"h":{"Deployment":{"a":{"b":{"s":10,"r":[10,3],"z":[1]}}}}}"#

        let decoded = try SavedHistories.decode(Data(text.utf8)).histories()

        #expect(decoded["Deployment a/b"]?.startedAt == Self.at(-10))
        #expect(decoded["Deployment a/b"]?.recommendations == [.init(time: Self.at(-10), replicas: 3)])
    }

    @Test func newerVersionIsUnusable() throws {
        let saved = try SavedHistories.decode(Data(#"{"v":2,"t":1800000000,"h":{}}"#.utf8))

        #expect(
            throws: SavedHistories.Unusable(description: "saved state has format version 2; this release reads 1 to 1")
        ) {
            try saved.histories()
        }
    }

    @Test func oddPairListIsUnusable() throws {
        let saved = try SavedHistories.decode(
            Data(#"{"v":1,"t":1800000000,"h":{"Deployment":{"a":{"b":{"r":[10]}}}}}"#.utf8)
        )

        #expect(
            throws: SavedHistories.Unusable(description: "saved state for Deployment a/b has an odd-length 'r' list")
        ) {
            try saved.histories()
        }
    }

    /// 1,000 targets over 300 s at a 15 s interval: 20 recommendations each from a random walk
    /// between 2 and 60 replicas, a recovery count for a third of them and panic for every tenth.
    /// The engine keeps scale events only for the longest rate period, 15 s by default, so every
    /// fifth target has one. The saved form must fit in 100 KiB and give each window the same
    /// extremes.
    @Test func thousandTargetsFitInOneHundredKibibytes() throws {
        var generator = SeededRandom(seed: 9)
        var histories: [String: ScalingHistory] = [:]
        for index in 0..<1000 {
            var replicas = Int.random(in: 2...60, using: &generator)
            var walk: [Int] = []
            for _ in 0..<20 {
                replicas = min(60, max(2, replicas + Int.random(in: -3...3, using: &generator)))
                walk.append(replicas)
            }
            histories["Deployment team-\(index % 40)/service-\(index)"] = ScalingHistory(
                startedAt: Self.at(-86_400),
                recommendations: Self.recommendations(walk, every: 15),
                scaleEvents: index % 5 == 0 ? [.init(time: Self.at(285), change: 3)] : [],
                pendingRecoveryCycles: index % 3 == 0 ? ["latency": 2] : [:],
                panic: index % 10 == 0 ? .init(since: Self.at(200), lastTriggered: Self.at(285)) : nil
            )
        }
        let now = Self.at(300)

        let saved = SavedHistories(histories: histories, at: now)
        let bytes = saved.encoded().count
        let decoded = try SavedHistories.decode(saved.encoded()).histories()

        #expect(bytes <= 100 * 1024, "\(bytes) bytes")
        #expect(decoded.count == 1000)
        for (identity, original) in histories {
            let restored = try #require(decoded[identity])
            #expect(restored.startedAt == original.startedAt)
            #expect(restored.scaleEvents == original.scaleEvents)
            #expect(restored.panic == original.panic)
            #expect(restored.pendingRecoveryCycles == original.pendingRecoveryCycles)
            for window in [15.0, 60, 300] {
                let before = original.recommendations.filter { now.timeIntervalSince($0.time) < window }.map(\.replicas)
                let after = restored.recommendations.filter { now.timeIntervalSince($0.time) < window }.map(\.replicas)
                #expect(before.max() == after.max())
                #expect(before.min() == after.min())
            }
        }
    }

    /// 30 targets in shards of at most 1,000 bytes: every shard fits and together they hold
    /// each target once.
    @Test func shardsStayUnderTheLimitAndCoverEveryTarget() throws {
        var histories: [String: ScalingHistory] = [:]
        for index in 0..<30 {
            histories["Deployment shop/service-\(index)"] = ScalingHistory(
                startedAt: Self.at(-600),
                recommendations: Self.recommendations([9, 8, 7, 6], every: 15)
            )
        }

        let shards = SavedHistories.shards(histories, at: Self.at(60), maxBytes: 1000)
        var seen: [String] = []
        for shard in shards { seen += shard.targets.keys }

        #expect(shards.count > 1)
        for shard in shards { #expect(shard.encoded().count <= 1000) }
        #expect(seen.sorted() == histories.keys.sorted())
    }
}
