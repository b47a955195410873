import FleetModel
import FleetTestbed
import Foundation
import Testing

/// Parses exposition text into series (name with labels, as written) and values.
func parseExposition(_ text: String) -> [String: Double] {
    var samples: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            continue
        }
        samples[String(line[..<space])] = value
    }
    return samples
}

/// Sums the model's bucket counts at or below `bound` seconds.
func countAtOrBelow(_ histogram: LatencyHistogram, _ bound: Double) -> Double {
    var total = 0.0
    for (index, upper) in LatencyHistogram.bounds.enumerated() where upper <= bound + 1e-12 {
        total += histogram.counts[index]
    }
    return total
}

@Suite struct ExpositionTests {
    /// Runs 3 pods past their capacity (3 × 50 requests/s), so that 503s appear.
    func loadedFleet() throws -> (TestbedFixture, FleetSnapshot, ExporterPages) {
        let fixture = try TestbedFixture(replicas: 3)
        try fixture.run(until: 20, arrivals: 240)
        return (fixture, fixture.testbed.snapshot, fixture.testbed.publication.pages)
    }

    @Test func podPageMatchesTheSnapshot() throws {
        let (_, snapshot, pages) = try loadedFleet()
        let pod = try #require(snapshot.pods.first)
        let samples = parseExposition(try #require(pages.pod(pod.name)))

        #expect(samples["directus_request_count{method=\"GET\",status=\"200\"}"] == pod.requests.ok)
        #expect(samples["directus_request_count{method=\"GET\",status=\"503\"}"] == pod.requests.unavailable)
        let statuses = ["200", "502", "503", "504"]
        let counted = statuses.compactMap {
            samples["directus_request_duration_seconds_count{method=\"GET\",status=\"\($0)\"}"]
        }
        #expect(abs(counted.reduce(0, +) - pod.latency.counts.reduce(0, +)) < 1e-6)
        for bound in ["0.1", "0.5", "2.5"] {
            let exported = statuses.compactMap {
                samples["directus_request_duration_seconds_bucket{method=\"GET\",status=\"\($0)\",le=\"\(bound)\"}"]
            }
            #expect(abs(exported.reduce(0, +) - countAtOrBelow(pod.latency, Double(bound)!)) < 1e-6)
        }
        #expect(samples["directus_db_pg_response_time_ms_bucket{le=\"10\"}"] == countAtOrBelow(pod.queryTime, 0.010))
        #expect(samples["directus_db_pg_response_time_ms_bucket{le=\"1\"}"] == countAtOrBelow(pod.queryTime, 0.001))
        #expect(abs(samples["directus_db_pg_response_time_ms_sum"]! - pod.queryTime.sum * 1000) < 1e-6)
        #expect(samples["directus_db_pool_connections{state=\"active\"}"] == pod.poolActive)
        #expect(samples["directus_db_pool_connections{state=\"idle\"}"] == pod.poolIdle)
        #expect(samples["directus_db_pool_pending_acquires"] == pod.poolPending)
        #expect(samples["directus_http_queue_depth"] == pod.queueDepth)
        #expect(samples["directus_http_requests_in_flight"] == pod.inFlight)
        #expect(pod.requests.unavailable > 0, "the load should overflow the admission queue")
    }

    @Test func bucketsNeverFall() throws {
        let (_, _, pages) = try loadedFleet()
        let text = pages.podNames.compactMap { pages.pod($0) }.joined() + pages.ingress
        var previous: (series: String, value: Double)?
        for line in text.split(separator: "\n") where line.contains("_bucket{") {
            let series = String(line[..<line.range(of: "le=")!.lowerBound])
            let value = Double(line.split(separator: " ").last!)!
            if let previous, previous.series == series { #expect(value >= previous.value) }
            previous = (series, value)
        }
    }

    @Test func ingressPageMatchesTheSnapshot() throws {
        let (_, snapshot, pages) = try loadedFleet()
        let samples = parseExposition(pages.ingress)
        let labels = "namespace=\"shop\",ingress=\"api\",service=\"api\",method=\"GET\""

        #expect(samples["nginx_ingress_controller_requests{\(labels),status=\"200\"}"] == snapshot.ingressRequests.ok)
        #expect(
            samples["nginx_ingress_controller_requests{\(labels),status=\"503\"}"]
                == snapshot.ingressRequests.unavailable
        )
        let total = ["200", "503"].compactMap {
            samples["nginx_ingress_controller_request_duration_seconds_bucket{\(labels),status=\"\($0)\",le=\"1\"}"]
        }
        #expect(abs(total.reduce(0, +) - countAtOrBelow(snapshot.ingressLatency, 1)) < 1e-6)
        let queue = snapshot.pods.map(\.queueDepth).reduce(0, +)
        #expect(samples["haproxy_backend_current_queue{proxy=\"api\"}"] == queue)
    }

    @Test func databasePagesMatchTheSnapshot() throws {
        let (_, snapshot, pages) = try loadedFleet()
        let bouncer = try #require(snapshot.pgbouncer)
        let pgbouncer = parseExposition(try #require(pages.pgbouncer))
        let postgres = parseExposition(pages.postgres)
        let pool = "{database=\"api\",user=\"directus\"}"

        #expect(pgbouncer["pgbouncer_pools_client_active_connections\(pool)"] == bouncer.clientActive)
        #expect(pgbouncer["pgbouncer_pools_client_waiting_connections\(pool)"] == bouncer.clientWaiting)
        #expect(pgbouncer["pgbouncer_pools_server_active_connections\(pool)"] == bouncer.serverActive)
        #expect(pgbouncer["pgbouncer_pools_server_idle_connections\(pool)"] == bouncer.serverIdle)
        #expect(pgbouncer["pgbouncer_pools_client_maxwait_seconds\(pool)"] == bouncer.clientMaxWait)
        #expect(pgbouncer["pgbouncer_databases_pool_size{name=\"api\",database=\"api\"}"] == 40)
        #expect(pgbouncer["pgbouncer_up"] == 1)
        #expect(postgres["pg_settings_max_connections"] == 100)
        #expect(postgres["pg_settings_superuser_reserved_connections"] == 3)
        #expect(
            postgres["pg_stat_activity_count{datname=\"api\",state=\"active\"}"] == snapshot.postgres.activeConnections
        )
        #expect(postgres["pg_stat_activity_count{datname=\"api\",state=\"idle\"}"] == snapshot.postgres.idleConnections)
        #expect(postgres["pg_up"] == 1)
    }

    @Test func directFleetHasNoPgBouncerPage() throws {
        let fixture = try TestbedFixture(replicas: 1, parameters: .directusDirect)
        #expect(fixture.testbed.publication.pages.pgbouncer == nil)
    }

    @Test func countersOnlyGrowAcrossTicks() throws {
        let fixture = try TestbedFixture(replicas: 2)
        var last: [String: Double] = [:]
        for _ in 0..<15 {
            try fixture.testbed.step(arrivals: 130)
            let pages = fixture.testbed.publication.pages
            let sources = [("ingress", pages.ingress)] + pages.podNames.map { ($0, pages.pod($0) ?? "") }
            for (source, text) in sources {
                for (series, value) in parseExposition(text)
                where series.contains("_bucket") || series.contains("_count") {
                    let key = "\(source) \(series)"
                    if let before = last[key] { #expect(value >= before - 1e-9, "\(key) fell") }
                    last[key] = value
                }
            }
        }
    }
}
