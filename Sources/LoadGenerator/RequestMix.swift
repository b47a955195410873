import FleetModel

/// The seeded choice of each request: a write (POST) with probability `writeRatio`, otherwise a
/// read (GET) of an article id drawn uniformly from 1...`items`.
///
/// Draws come from FleetModel's SplitMix64 generator in request order, so one seed gives the
/// same sequence of requests on every run and platform.
public struct RequestMix: Sendable {
    public enum Request: Sendable, Equatable {
        case read(id: Int)
        case write
    }

    private var random: SeededRandom
    private let writeRatio: Double
    private let items: Int

    public init(seed: UInt64, writeRatio: Double, items: Int) {
        precondition(items >= 1, "items must be ≥ 1")
        random = SeededRandom(seed: seed)
        self.writeRatio = writeRatio
        self.items = items
    }

    /// Draws the next request. Every call takes exactly two draws, so request k's choice does
    /// not depend on the kinds of the requests before it.
    public mutating func next() -> Request {
        let unit = random.nextUnit()
        // The high word of draw × items is uniform in 0..<items up to a bias of items / 2⁶⁴.
        let id = 1 + Int(random.next().multipliedFullWidth(by: UInt64(items)).high)
        return unit < writeRatio ? .write : .read(id: id)
    }
}
