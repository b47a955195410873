extension Fleet {
    /// The fleet as the testbed publishes it.
    public var snapshot: FleetSnapshot {
        let probe = parameters.lifecycle.readinessProbePeriod
        let lifecycle = parameters.lifecycle
        let podSnapshots = pods.map { pod -> PodSnapshot in
            let phase = pod.phase(at: time, probePeriod: probe)
            let readyAt = pod.readyAt(probePeriod: probe)
            // A pod deleted before its first successful probe never turns Ready.
            let reachedReady = readyAt.map { $0 <= time && $0 <= (pod.deletedAt ?? .infinity) } ?? false
            return PodSnapshot(
                name: pod.name,
                phase: phase,
                createdAt: pod.createdAt,
                scheduledAt: pod.scheduledAt.flatMap { $0 <= time ? $0 : nil },
                startedAt: pod.startedAt.flatMap { $0 <= time ? $0 : nil },
                readyAt: reachedReady ? readyAt : nil,
                deletedAt: pod.deletedAt,
                unschedulable: pod.unschedulable,
                warmth: reachedReady ? lifecycle.warmth(readyFor: time - (readyAt ?? time)) : 0,
                requests: pod.requests,
                latency: pod.latency,
                queryTime: pod.queryTime,
                queueDepth: pod.queueDepth,
                inFlight: pod.inFlight,
                poolActive: pod.poolActive,
                poolIdle: max(0, Double(pod.openConnections) - pod.poolActive),
                poolPending: pod.poolPending,
                connectionErrors: pod.connectionErrors
            )
        }
        let database = parameters.database
        let serverConnections = databaseServerConnections
        let queryTime = currentQueryTime()
        let active = queryTime.isFinite ? min(serverConnections, queryRate * queryTime) : 0
        let postgres = PostgresSnapshot(
            maxConnections: database.maxConnections,
            superuserReservedConnections: database.superuserReservedConnections,
            activeConnections: active,
            idleConnections: max(0, serverConnections - active),
            refusedConnections: refusedConnections
        )
        var bouncer: PgBouncerSnapshot?
        if let pgbouncer = parameters.pgbouncer {
            let clients = Double(pods.reduce(0) { $0 + $1.openConnections })
            let waiting = queryRate * pgbouncerWait.mean + pgbouncerBacklog
            let serverActive = queryTime.isFinite ? min(Double(pgbouncerServerConnections), queryRate * queryTime) : 0
            bouncer = PgBouncerSnapshot(
                clientActive: max(0, clients - waiting),
                clientWaiting: min(clients, waiting),
                serverActive: serverActive,
                serverIdle: max(0, Double(pgbouncerServerConnections) - serverActive),
                clientMaxWait: pgbouncerBacklog > 0 ? (pgbouncerWait.mean).rounded(.down) : 0,
                poolSize: pgbouncer.defaultPoolSize,
                maxClientConnections: pgbouncer.maxClientConnections,
                refusedClientConnections: refusedClientConnections
            )
        }
        return FleetSnapshot(
            time: time,
            desiredReplicas: desiredReplicas,
            pods: podSnapshots,
            unroutedRequests: unrouted,
            ingressRequests: ingressRequests,
            ingressLatency: ingressLatency,
            postgres: postgres,
            pgbouncer: bouncer
        )
    }

    // MARK: Names

    /// Characters Kubernetes uses for generated name suffixes (no vowels, no look-alikes).
    private static let suffixAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// Returns a stable stand-in for the pod-template-hash label of the Deployment's ReplicaSet; pod
    /// names are `<deployment>-<hash>-<suffix>`.
    public static func podTemplateHash(_ name: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        var characters: [Character] = []
        for _ in 0..<10 {
            characters.append(suffixAlphabet[Int(hash % UInt64(suffixAlphabet.count))])
            hash /= UInt64(suffixAlphabet.count)
            if hash == 0 { hash = 0x9E37_79B9_7F4A_7C15 }
        }
        return String(characters)
    }

    /// The next pod name, `<deployment>-<template hash>-<5 characters>`, as the ReplicaSet
    /// controller generates them.
    mutating func nextPodName() -> String {
        var suffix = ""
        for _ in 0..<5 {
            let pick = Int(nameRandom.next() % UInt64(Self.suffixAlphabet.count))
            suffix.append(Self.suffixAlphabet[pick])
        }
        let name = "\(deploymentName)-\(templateHash)-\(suffix)"
        return pods.contains { $0.name == name } ? nextPodName() : name
    }
}
