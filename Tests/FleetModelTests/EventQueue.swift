/// A binary min-heap of timed events for the reference simulation. Events at the same time
/// come out in the order they were pushed, so a run is reproduced exactly from its seed.
struct EventQueue<Payload> {
    private struct Entry {
        var time: Double
        var sequence: Int
        var payload: Payload
    }

    private var heap: [Entry] = []
    private var nextSequence = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    mutating func push(_ payload: Payload, at time: Double) {
        heap.append(Entry(time: time, sequence: nextSequence, payload: payload))
        nextSequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: Double, payload: Payload)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && precedes(left, smallest) { smallest = left }
            if right < heap.count && precedes(right, smallest) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return (top.time, top.payload)
    }

    private func precedes(_ first: Int, _ second: Int) -> Bool {
        let a = heap[first]
        let b = heap[second]
        return a.time < b.time || (a.time == b.time && a.sequence < b.sequence)
    }
}
