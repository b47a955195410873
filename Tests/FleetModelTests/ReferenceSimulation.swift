import FleetModel
import Foundation

/// A request-by-request discrete-event run of a fixed set of pods, an independent method to
/// check the tick model against. It follows the fleet's rules one request at a time.
///
/// - Arrivals: a Poisson process with the load's rate, drawn exactly by thinning within each
///   model second. Each goes to a uniformly random pod; with no pod, HTTP 503 at once.
/// - Event loop: `workersPerPod` FIFO servers. CPU time is `cpuTimePerRequest / warmth`, warmth
///   taken at service start, fixed (variability 0) or exponential (variability 1). An arrival
///   that finds `queueLimit` requests waiting gets HTTP 503 at once. A request that waits
///   `requestTimeout` for the event loop gets HTTP 504 with that latency.
/// - Pool: each pod opens `pool.minimum` connections at second 0, pods in index order, and an
///   open with no free slot is refused. A request that finds every open connection busy opens
///   one more when below `pool.maximum` and a slot is free. With no free slot the open is refused.
///   A request left without a connection waits FIFO for one that its pod releases and fails
///   with HTTP 503 after `acquireTimeout`. A freed slot elsewhere does not wake it. Connections
///   above the minimum close after `idleTimeout` unused, and the most recently released idle
///   connection is used first.
/// - Slots: `database.connectionsForFleet` minus the open connections of every pod for the
///   direct fleet; `maxClientConnections` client connections with PgBouncer.
/// - Database: PgBouncer lets `defaultPoolSize` queries run at once and queues the rest FIFO.
///   A query takes `databaseTimePerRequest × max(1, active / concurrencyBeforeSlowdown)`, with
///   `active` counted at its start including itself, and the request then ends with HTTP 200.
///
/// Arrivals stop at `duration`; requests in flight then finish (drain) before the run ends.
struct ReferenceSimulation {
    /// Events after which a run stops and reports `truncated`, so a bad input cannot loop on.
    static let eventLimit = 50_000_000

    static func run(
        parameters: FleetParameters,
        load: any LoadSchedule,
        pods: Int,
        cold: Bool,
        duration: Double,
        seed: UInt64
    ) -> ReferenceResult {
        var simulation = ReferenceSimulation(parameters: parameters, load: load, podCount: pods, cold: cold, seed: seed)
        simulation.run(duration: duration)
        return simulation.result()
    }

    private enum Event {
        case startSecond(Int)
        case arrival
        case cpuDone(request: Int)
        case eventLoopTimeout(request: Int)
        case acquireTimeout(request: Int)
        case queryDone(request: Int)
        case idleCheck(pod: Int, connection: Int, idleSince: Double)
    }

    private enum Stage {
        case waitingForEventLoop, onCPU, waitingForConnection, waitingInPgBouncer, inQuery, finished
    }

    private struct Request {
        var arrival: Double
        var pod: Int
        var stage: Stage
        var connection = -1
    }

    private struct Pod {
        var busyWorkers = 0
        var waitingForEventLoop = RequestFIFO()
        var waitingCount = 0
        var openConnections = 0
        var idleConnections: [(id: Int, since: Double)] = []
        var nextConnectionID = 0
        var waitingForConnection = RequestFIFO()
    }

    private let parameters: FleetParameters
    private let load: any LoadSchedule
    private let cold: Bool
    private var arrivalRandom: SeededRandom
    private var routingRandom: SeededRandom
    private var serviceRandom: SeededRandom
    private var events = EventQueue<Event>()
    private var requests: [Request] = []
    private var pods: [Pod]
    private var fleetOpenConnections = 0
    private var runningQueries = 0
    private var pgbouncerQueue = RequestFIFO()
    private var duration = 0.0
    private var latencies: [Double] = []
    private var eventLoopWaitSum = 0.0
    private var output = ReferenceResult()

    private init(parameters: FleetParameters, load: any LoadSchedule, podCount: Int, cold: Bool, seed: UInt64) {
        precondition([0, 1].contains(parameters.cpuTimeVariability), "cpuTimeVariability must be 0 or 1")
        precondition([0, 1].contains(parameters.databaseTimeVariability), "databaseTimeVariability must be 0 or 1")
        self.parameters = parameters
        self.load = load
        self.cold = cold
        arrivalRandom = SeededRandom(seed: seed)
        routingRandom = SeededRandom(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        serviceRandom = SeededRandom(seed: seed ^ 0xA076_1D64_78BD_642F)
        pods = Array(repeating: Pod(), count: podCount)
        output.podArrivals = Array(repeating: 0, count: podCount)
    }

    private mutating func run(duration: Double) {
        self.duration = duration
        for index in pods.indices {
            for _ in 0..<parameters.pool.minimum {
                if slotIsFree {
                    _ = openConnection(pod: index)
                } else {
                    output.refusedConnections += 1
                }
            }
        }
        if duration > 0 { events.push(.startSecond(0), at: 0) }

        var processed = 0
        while let (time, event) = events.pop() {
            processed += 1
            guard processed <= Self.eventLimit else {
                output.truncated = true
                break
            }
            output.endTime = time
            handle(event, at: time)
        }
    }

    private mutating func handle(_ event: Event, at time: Double) {
        switch event {
        case .startSecond(let second):
            scheduleArrivals(inSecond: second)
        case .arrival:
            arrive(at: time)
        case .cpuDone(let request):
            finishCPU(request, at: time)
        case .eventLoopTimeout(let request):
            guard requests[request].stage == .waitingForEventLoop else { return }
            pods[requests[request].pod].waitingCount -= 1
            finish(request, at: time, latency: parameters.admission.requestTimeout) { $0.timedOut += 1 }
        case .acquireTimeout(let request):
            guard requests[request].stage == .waitingForConnection else { return }
            finishUnavailable(request, at: time, latency: time - requests[request].arrival) {
                $0.unavailableAcquireTimeout += 1
            }
        case .queryDone(let request):
            finishQuery(request, at: time)
        case .idleCheck(let pod, let connection, let idleSince):
            closeIfStillIdle(pod: pod, connection: connection, idleSince: idleSince)
        }
    }

    // MARK: Arrivals and the event loop

    /// Draws the arrival times of one second by thinning: candidates at the second's maximum
    /// rate, each kept with probability rate(t) / maximum.
    private mutating func scheduleArrivals(inSecond second: Int) {
        let start = Double(second)
        let end = min(start + 1, duration)
        let bound = load.maximumRequestsPerSecond(from: start, to: end)
        if bound > 0 {
            var time = start
            // Bounded: the expected candidate count is `bound`; far beyond it something is wrong.
            let candidateLimit = Int(bound * 20) + 1_000
            for _ in 0..<candidateLimit {
                time += arrivalRandom.nextExponential(mean: 1 / bound)
                guard time < end else { break }
                if arrivalRandom.nextUnit() * bound < load.requestsPerSecond(at: time) {
                    events.push(.arrival, at: time)
                }
            }
        }
        if end < duration { events.push(.startSecond(second + 1), at: end) }
    }

    private mutating func arrive(at time: Double) {
        output.arrivals += 1
        count(&output.arrivalsPerSecond, at: time)
        let id = requests.count
        guard !pods.isEmpty else {
            requests.append(Request(arrival: time, pod: -1, stage: .waitingForEventLoop))
            finishUnavailable(id, at: time, latency: 0) { $0.unavailableNoReadyPod += 1 }
            return
        }
        let pod = min(pods.count - 1, Int(routingRandom.nextUnit() * Double(pods.count)))
        output.podArrivals[pod] += 1
        requests.append(Request(arrival: time, pod: pod, stage: .waitingForEventLoop))

        if pods[pod].busyWorkers < parameters.workersPerPod {
            startCPU(id, at: time)
        } else if pods[pod].waitingCount >= parameters.admission.queueLimit {
            finishUnavailable(id, at: time, latency: 0) { $0.unavailableQueueFull += 1 }
        } else {
            pods[pod].waitingForEventLoop.push(id)
            pods[pod].waitingCount += 1
            let timeout = parameters.admission.requestTimeout
            if timeout.isFinite { events.push(.eventLoopTimeout(request: id), at: time + timeout) }
        }
    }

    private mutating func startCPU(_ request: Int, at time: Double) {
        let pod = requests[request].pod
        pods[pod].busyWorkers += 1
        requests[request].stage = .onCPU
        eventLoopWaitSum += time - requests[request].arrival
        output.served += 1

        let warmth = cold ? parameters.lifecycle.warmth(readyFor: time) : 1
        let mean = parameters.cpuTimePerRequest / warmth
        let cpuTime = parameters.cpuTimeVariability == 0 ? mean : serviceRandom.nextExponential(mean: mean)
        events.push(.cpuDone(request: request), at: time + cpuTime)
    }

    private mutating func finishCPU(_ request: Int, at time: Double) {
        let pod = requests[request].pod
        pods[pod].busyWorkers -= 1
        while let next = pods[pod].waitingForEventLoop.popFirst() {
            guard requests[next].stage == .waitingForEventLoop else { continue }
            pods[pod].waitingCount -= 1
            startCPU(next, at: time)
            break
        }
        acquireConnection(request, at: time)
    }

    // MARK: Pool and database

    private var slotIsFree: Bool {
        if let pgbouncer = parameters.pgbouncer {
            return fleetOpenConnections < pgbouncer.maxClientConnections
        }
        return fleetOpenConnections < parameters.database.connectionsForFleet
    }

    private mutating func openConnection(pod: Int) -> Int {
        let id = pods[pod].nextConnectionID
        pods[pod].nextConnectionID += 1
        pods[pod].openConnections += 1
        fleetOpenConnections += 1
        pods[pod].idleConnections.append((id, 0))
        return id
    }

    private mutating func acquireConnection(_ request: Int, at time: Double) {
        let pod = requests[request].pod
        if let idle = pods[pod].idleConnections.popLast() {
            startQuery(request, connection: idle.id, at: time)
            return
        }
        if pods[pod].openConnections < parameters.pool.maximum {
            if slotIsFree {
                _ = openConnection(pod: pod)
                let connection = pods[pod].idleConnections.removeLast().id
                startQuery(request, connection: connection, at: time)
                return
            }
            output.refusedConnections += 1
        }
        requests[request].stage = .waitingForConnection
        pods[pod].waitingForConnection.push(request)
        events.push(.acquireTimeout(request: request), at: time + parameters.pool.acquireTimeout)
    }

    private mutating func startQuery(_ request: Int, connection: Int, at time: Double) {
        requests[request].connection = connection
        if let pgbouncer = parameters.pgbouncer, runningQueries >= pgbouncer.defaultPoolSize {
            requests[request].stage = .waitingInPgBouncer
            pgbouncerQueue.push(request)
            return
        }
        runQuery(request, at: time)
    }

    private mutating func runQuery(_ request: Int, at time: Double) {
        requests[request].stage = .inQuery
        runningQueries += 1
        let slowdown = max(1, Double(runningQueries) / Double(parameters.database.concurrencyBeforeSlowdown))
        let base = parameters.databaseTimePerRequest
        let queryTime =
            (parameters.databaseTimeVariability == 0 ? base : serviceRandom.nextExponential(mean: base)) * slowdown
        events.push(.queryDone(request: request), at: time + queryTime)
    }

    private mutating func finishQuery(_ request: Int, at time: Double) {
        runningQueries -= 1
        if parameters.pgbouncer != nil, let next = pgbouncerQueue.popFirst() {
            runQuery(next, at: time)
        }
        releaseConnection(requests[request].connection, pod: requests[request].pod, at: time)
        finish(request, at: time, latency: time - requests[request].arrival) { $0.ok += 1 }
    }

    private mutating func releaseConnection(_ connection: Int, pod: Int, at time: Double) {
        // Requests that left by an acquire timeout are skipped.
        while let waiter = pods[pod].waitingForConnection.popFirst() {
            guard requests[waiter].stage == .waitingForConnection else { continue }
            startQuery(waiter, connection: connection, at: time)
            return
        }
        pods[pod].idleConnections.append((connection, time))
        if pods[pod].openConnections > parameters.pool.minimum {
            events.push(
                .idleCheck(pod: pod, connection: connection, idleSince: time),
                at: time + parameters.pool.idleTimeout
            )
        }
    }

    private mutating func closeIfStillIdle(pod: Int, connection: Int, idleSince: Double) {
        guard pods[pod].openConnections > parameters.pool.minimum,
            let index = pods[pod].idleConnections.firstIndex(where: { $0.id == connection && $0.since == idleSince })
        else { return }
        pods[pod].idleConnections.remove(at: index)
        pods[pod].openConnections -= 1
        fleetOpenConnections -= 1
    }

    // MARK: Bookkeeping

    private mutating func finishUnavailable(
        _ request: Int,
        at time: Double,
        latency: Double,
        cause: (inout ReferenceResult) -> Void
    ) {
        count(&output.unavailablePerSecond, at: time)
        finish(request, at: time, latency: latency, status: cause)
    }

    private mutating func finish(
        _ request: Int,
        at time: Double,
        latency: Double,
        status: (inout ReferenceResult) -> Void
    ) {
        requests[request].stage = .finished
        latencies.append(latency)
        status(&output)
    }

    private func count(_ series: inout [Int], at time: Double) {
        let second = Int(time)
        if series.count <= second { series.append(contentsOf: repeatElement(0, count: second + 1 - series.count)) }
        series[second] += 1
    }

    private func result() -> ReferenceResult {
        var result = output
        if !latencies.isEmpty {
            let sorted = latencies.sorted()
            result.meanLatency = latencies.reduce(0, +) / Double(latencies.count)
            let rank = Int((0.99 * Double(sorted.count)).rounded(.up))
            result.p99Latency = sorted[max(0, rank - 1)]
        }
        if result.served > 0 { result.meanEventLoopWait = eventLoopWaitSum / Double(result.served) }
        return result
    }
}

/// A FIFO of request ids whose consumed front is dropped now and then, so a long run neither
/// shifts the array on every pop nor keeps every id it ever held.
struct RequestFIFO {
    private var items: [Int] = []
    private var head = 0

    mutating func push(_ request: Int) {
        items.append(request)
    }

    mutating func popFirst() -> Int? {
        guard head < items.count else { return nil }
        let request = items[head]
        head += 1
        if head > 4_096 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return request
    }
}
