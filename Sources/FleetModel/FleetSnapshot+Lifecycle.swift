extension PodSnapshot {
    /// Creates a pod known by its lifecycle only, with no traffic counted. A Ready pod counts as
    /// fully warm and any other pod as cold. The proving ground describes its real processes this
    /// way for the API mirror.
    public init(
        name: String,
        phase: PodPhase,
        createdAt: Double,
        scheduledAt: Double?,
        startedAt: Double?,
        readyAt: Double?,
        deletedAt: Double?
    ) {
        self.init(
            name: name,
            phase: phase,
            createdAt: createdAt,
            scheduledAt: scheduledAt,
            startedAt: startedAt,
            readyAt: readyAt,
            deletedAt: deletedAt,
            unschedulable: false,
            warmth: phase == .ready ? 1 : 0,
            requests: StatusCounts(),
            latency: LatencyHistogram(),
            queryTime: LatencyHistogram(),
            queueDepth: 0,
            inFlight: 0,
            poolActive: 0,
            poolIdle: 0,
            poolPending: 0,
            connectionErrors: 0
        )
    }
}

extension FleetSnapshot {
    /// Creates a fleet described by its pods and replica count only, with every traffic and
    /// database figure at zero. The proving ground mirrors this snapshot into the API for its real
    /// processes.
    public init(time: Double, desiredReplicas: Int, pods: [PodSnapshot]) {
        self.init(
            time: time,
            desiredReplicas: desiredReplicas,
            pods: pods,
            unroutedRequests: 0,
            ingressRequests: StatusCounts(),
            ingressLatency: LatencyHistogram(),
            postgres: PostgresSnapshot(
                maxConnections: 0,
                superuserReservedConnections: 0,
                activeConnections: 0,
                idleConnections: 0,
                refusedConnections: 0
            ),
            pgbouncer: nil
        )
    }
}
