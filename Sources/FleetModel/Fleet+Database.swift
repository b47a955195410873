import Foundation

extension Fleet {
    // MARK: Pool

    /// Moves the requests the event loop finished through the pod's pool and the database.
    mutating func runPool(
        _ index: Int,
        pieces: [CPUPiece],
        queryTime: Double,
        hold: Double,
        from start: Double,
        to end: Double,
        tick: inout TickAccumulator
    ) {
        let pool = parameters.pool
        let served = pieces.reduce(0) { $0 + $1.count }
        let cpuTime = pieces.first?.serviceTime ?? parameters.cpuTimePerRequest

        // Connections the pod wants: enough for the concurrency it needs, where one event loop
        // cannot finish requests faster than one per CPU time, between the pool's bounds.
        // With no database server connection at all (PgBouncer without a free PostgreSQL slot)
        // a query never finishes: the hold time is infinite and every request waits for the
        // acquire timeout.
        let load = hold.isFinite ? served * hold : (served > 0 ? .infinity : 0)
        var wanted = pool.maximum
        if load.isFinite {
            let spacingBound = (hold * Double(parameters.workersPerPod) / cpuTime).rounded(.up)
            let burstBound = (load + 2 * load.squareRoot()).rounded(.up)
            wanted = Int(min(Double(pool.maximum), spacingBound, burstBound))
        }
        if pods[index].poolBacklog > 0 || (load > 0 && load >= Double(pods[index].openConnections)) {
            wanted = pool.maximum
        }
        wanted = min(pool.maximum, max(pool.minimum, wanted))
        if pods[index].deletedAt != nil { wanted = min(wanted, pods[index].openConnections) }

        // Grow toward `wanted`; a refused attempt counts once per request that found every
        // connection busy.
        var attemptsRefused = false
        while pods[index].openConnections < wanted {
            if !openConnection(for: index, at: start) {
                attemptsRefused = true
                break
            }
        }
        for rank in 0..<min(wanted, pods[index].openConnections) {
            pods[index].connectionLastUsed[rank] = start
        }
        // Close connections above the minimum that no request needed for `idleTimeout`.
        while pods[index].openConnections > pool.minimum,
            let last = pods[index].connectionLastUsed.last,
            start - last >= pool.idleTimeout
        {
            pods[index].connectionLastUsed.removeLast()
        }

        let open = pods[index].openConnections
        let capacity = hold > 0 ? Double(open) / hold : .infinity
        let steadyRate = min(served, capacity * Self.steadyStateUtilizationCap)
        let steady = QueueFormulas.wait(
            servers: open,
            arrivalRate: steadyRate,
            serviceTime: hold,
            serviceVariability: parameters.databaseTimeVariability
        )
        if attemptsRefused {
            let busyShare: Double
            if open == 0 || pods[index].poolBacklog > 0 || served >= capacity {
                busyShare = 1
            } else {
                busyShare = QueueFormulas.erlangC(servers: open, load: load)
            }
            let extra = served * busyShare
            // One refusal is already counted for the first attempt.
            pods[index].connectionErrors += max(0, extra - 1)
            countRefusals(max(0, extra - 1))
        }

        var completed: [(count: Double, latencyMean: Double, shape: LatencyShape)] = []
        let queryWait = pgbouncerWait
        if pods[index].poolBacklog <= 1e-12 && served < capacity * Self.steadyStateUtilizationCap {
            // Steady state: every piece passes the pool now.
            for piece in pieces {
                let mean =
                    piece.wait.mean + piece.noise.mean + steady.mean + queryWait.mean + piece.serviceTime + queryTime
                if case .zero = piece.noise {
                    let shape = LatencyShape(
                        first: piece.wait,
                        second: steady,
                        thirdMean: queryWait.mean,
                        fixed: piece.serviceTime + queryTime
                    )
                    completed.append((piece.count, mean, shape))
                } else {
                    // The pool's wait enters by its mean beside a backlog's spread, and the
                    // spread stops at the longest wait the admission limit allows.
                    let shape = LatencyShape(
                        first: piece.wait,
                        second: piece.noise,
                        thirdMean: queryWait.mean,
                        fixed: piece.serviceTime + queryTime + steady.mean,
                        cap: piece.maximumWait
                    )
                    completed.append((piece.count, min(mean, shape.fixed + shape.cap), shape))
                }
            }
            pods[index].poolPending = steadyRate * steady.mean
        } else {
            // Backlog: pieces queue FIFO for a connection.
            for piece in pieces where piece.count > 0 {
                pods[index].poolQueue.append(
                    Cohort(
                        start: start,
                        end: end,
                        count: piece.count,
                        elapsedBefore: piece.wait.mean + piece.noise.mean + piece.serviceTime
                    )
                )
            }
            drainPoolQueue(
                index,
                capacity: capacity,
                queryTime: queryTime,
                from: start,
                completed: &completed,
                tick: &tick
            )
            pods[index].poolPending = pods[index].poolBacklog
        }

        var finished = 0.0
        for item in completed where item.count > 0 {
            let probabilities = probabilities(of: item.shape)
            pods[index].requests.ok += item.count
            pods[index].latency.add(count: item.count, mean: item.latencyMean, probabilities: probabilities)
            tick.requests.ok += item.count
            tick.latency.add(count: item.count, mean: item.latencyMean, probabilities: probabilities)
            finished += item.count
        }
        if finished > 0 {
            let shape = LatencyShape(first: .zero, second: queryWait, fixed: queryTime)
            pods[index].queryTime.add(
                count: finished,
                mean: queryTime + queryWait.mean,
                probabilities: probabilities(of: shape)
            )
        }
        pods[index].queryRate = finished
        pods[index].poolActive = hold.isFinite ? min(Double(open), finished * hold) : Double(open)
        pods[index].inFlight += pods[index].poolActive + pods[index].poolPending
    }

    /// Serves the pool's FIFO backlog at `capacity` requests per second for one tick.
    private mutating func drainPoolQueue(
        _ index: Int,
        capacity: Double,
        queryTime: Double,
        from start: Double,
        completed: inout [(count: Double, latencyMean: Double, shape: LatencyShape)],
        tick: inout TickAccumulator
    ) {
        let timeout = parameters.pool.acquireTimeout
        let elapsedBefore = pods[index].poolQueue.first?.elapsedBefore ?? 0
        let expired = Self.expire(&pods[index].poolQueue, arrivedBefore: start - timeout)
        if expired > 0 {
            let latency = elapsedBefore + timeout
            pods[index].requests.unavailable += expired
            pods[index].latency.add(count: expired, latency: latency)
            tick.requests.unavailable += expired
            tick.latency.add(count: expired, latency: latency)
        }
        guard capacity.isFinite, capacity > 0 else { return }
        var budget = capacity
        var clock = start
        let queryWait = pgbouncerWait
        while budget > 1e-12, !pods[index].poolQueue.isEmpty {
            let taken = min(budget, pods[index].poolQueue[0].count)
            let before = pods[index].poolQueue[0].elapsedBefore
            let entered = pods[index].poolQueue[0].takeFront(taken)
            let duration = taken / capacity
            let firstWait = max(0, clock - entered.start)
            let lastWait = max(0, clock + duration - entered.end)
            let wait = WaitDistribution.uniform(low: min(firstWait, lastWait), high: max(firstWait, lastWait))
            let shape = LatencyShape(first: .zero, second: wait, thirdMean: queryWait.mean, fixed: before + queryTime)
            completed.append((taken, wait.mean + queryWait.mean + shape.fixed, shape))
            budget -= taken
            clock += duration
            if pods[index].poolQueue[0].count <= 1e-12 { pods[index].poolQueue.removeFirst() }
        }
    }

    /// Returns the shape's share in each histogram bucket, evaluated once per tick for every
    /// group of requests with that shape.
    mutating func probabilities(of shape: LatencyShape) -> [Double] {
        if let cached = shapeCache[shape] { return cached }
        let result = LatencyHistogram.probabilities(cdf: shape.cdf)
        if shapeCache.count < 4096 { shapeCache[shape] = result }
        return result
    }

    // MARK: Database

    /// Returns the time one query takes on PostgreSQL, from the previous tick's query rate.
    func currentQueryTime() -> Double {
        if let pgbouncer = parameters.pgbouncer,
            min(pgbouncer.defaultPoolSize, parameters.database.connectionsForFleet) == 0
        {
            return .infinity
        }
        let base = parameters.databaseTimePerRequest
        let fullSpeed = Double(parameters.database.concurrencyBeforeSlowdown)
        let active = queryRate * base
        guard active >= fullSpeed else { return base }
        // Saturated: the server runs every connection it has and shares its capacity.
        let connections: Double
        if let pgbouncer = parameters.pgbouncer {
            connections = Double(min(pgbouncer.defaultPoolSize, parameters.database.connectionsForFleet))
        } else {
            connections = max(fullSpeed, Double(pods.reduce(0) { $0 + $1.openConnections }))
        }
        return base * max(1, connections / fullSpeed)
    }

    /// Updates PgBouncer's queue and the database load from this tick's queries.
    mutating func updateDatabase(queryRate: Double, queryTime: Double) {
        self.queryRate = queryRate
        guard let pgbouncer = parameters.pgbouncer else {
            pgbouncerWait = .zero
            return
        }
        let servers = min(pgbouncer.defaultPoolSize, parameters.database.connectionsForFleet)
        guard servers > 0, queryTime.isFinite else {
            pgbouncerWait = .zero
            pgbouncerBacklog = 0
            pgbouncerServerConnections = 0
            return
        }
        let capacity = Double(servers) / queryTime
        let needed = Int((queryRate * queryTime).rounded(.up))
        pgbouncerServerConnections = min(servers, max(pgbouncerServerConnections, needed))
        if pgbouncerBacklog > 0 || queryRate >= capacity * Self.steadyStateUtilizationCap {
            pgbouncerBacklog = max(0, pgbouncerBacklog + queryRate - capacity)
            let wait = pgbouncerBacklog / capacity
            pgbouncerWait = .uniform(low: wait, high: wait)
            pgbouncerServerConnections = servers
        } else {
            pgbouncerWait = QueueFormulas.wait(
                servers: servers,
                arrivalRate: queryRate,
                serviceTime: queryTime,
                serviceVariability: parameters.databaseTimeVariability
            )
        }
    }

    /// Connections open on PostgreSQL: the pools' own (direct) or PgBouncer's server side,
    /// plus other clients.
    var databaseServerConnections: Double {
        let other = Double(parameters.database.otherClientConnections)
        if parameters.pgbouncer != nil { return Double(pgbouncerServerConnections) + other }
        return Double(pods.reduce(0) { $0 + $1.openConnections }) + other
    }
}
