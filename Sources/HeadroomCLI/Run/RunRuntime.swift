import Autoscaler
import Foundation
import HTTPServer
import HTTPTransport
import KubeClient
import MetricsClient
import Observability

/// The clients, control loop and metrics endpoint of one `headroom run`.
struct RunRuntime {
    let loop: ControlLoop
    let metricsServer: HTTPServer?
    /// The HTTP clients, shut down before the process exits.
    let httpClients: [CurlHTTPClient]
    /// Reloads the policy file when it changes; `nil` with `--once`.
    let policyWatcher: PolicyWatcher?
    /// The leader elector and saved history with `--leader-elect`, else `nil` (also under
    /// `--dry-run`, which never takes part in the election).
    let leadership: LeaderStateKeeper?

    /// Loads the Kubernetes configuration (flags first, then `KUBECONFIG`, the in-cluster
    /// service account and `~/.kube/config`), builds the clients and starts the endpoint.
    ///
    /// `policyBaseline` is the policy file as read before `targets` were loaded from it.
    init(
        options: RunOptions,
        targets: [TargetPolicy],
        databases: [DatabasePolicy] = [],
        controls: PolicyControls = PolicyControls(),
        policyBaseline: PolicyFileSnapshot? = nil,
        logger: Logger
    ) throws {
        let kubeConfiguration = try KubeConfigurationLoader().load(
            kubeconfig: options.kubeconfig,
            context: options.context
        )
        let kubeHTTP: CurlHTTPClient
        let prometheusHTTP: CurlHTTPClient
        do {
            kubeHTTP = try CurlHTTPClient(
                configuration: kubeConfiguration.transportConfiguration(totalTimeout: options.kubeTimeout)
            )
            prometheusHTTP = try CurlHTTPClient(configuration: PrometheusConnection.transport(options.prometheus))
        } catch let error as RunSetupError {
            throw error
        } catch {
            throw RunSetupError.setupFailed(what: "the HTTP clients", reason: "\(error)")
        }
        // Scale writes go before reads, and reads before Events. A cycle waits for every
        // target, so one call's waits for Retry-After add up to at most half an interval. A
        // longer requested wait fails the call, and the loop's backoff honours it instead.
        let kube = KubeClient(
            configuration: kubeConfiguration,
            http: kubeHTTP,
            rateLimiter: RequestRateLimiter(qps: options.kubeQPS, burst: options.kubeBurst),
            maxRetryWait: .milliseconds(Int64((options.intervalSeconds * 500).rounded()))
        )
        let warnings = QueryWarningLog(logger: logger)
        let sampler = SignalSampler(
            client: PrometheusClient(baseURL: options.prometheusURL, http: prometheusHTTP),
            warningHandler: { query, messages in warnings.record(query: query, warnings: messages) }
        )

        let registry = MetricsRegistry()
        let clock = SystemClock()
        let uids = WorkloadUIDs()
        let elector = Self.makeElector(options: options, store: kube, clock: clock, registry: registry, logger: logger)
        leadership = elector.map { elector in
            LeaderStateKeeper(
                elector: elector,
                history: HistoryStateStore(
                    namespace: elector.settings.namespace,
                    electionLease: elector.settings.leaseName,
                    store: kube,
                    logger: logger
                ),
                clock: clock,
                saveInterval: options.intervalSeconds
            )
        }
        let mayWrite: @Sendable () -> Bool = { [leadership] in leadership?.beginCycle() ?? true }
        let writer = KubeEventWriter(
            client: kube,
            instance: KubeEventWriter.defaultInstance(environment: ProcessInfo.processInfo.environment),
            uids: uids,
            policyConfigMap: options.policyConfigMap
        )
        let loopMetrics = LoopMetrics(registry: registry)
        let controlLoop = ControlLoop(
            targets: targets,
            signals: PrometheusSignalSource(
                sampler: sampler,
                queryMetrics: QueryMetrics(registry: registry),
                slowQueryWatch: SlowQueryWatch(
                    threshold: SlowQueryWatch.threshold(
                        interval: .milliseconds(Int64((options.intervalSeconds * 1000).rounded())),
                        queryTimeout: .milliseconds(Int64((options.prometheus.timeoutSeconds * 1000).rounded()))
                    ),
                    clock: clock,
                    logger: logger
                )
            ),
            scaler: KubeWorkloadScaler(client: kube, uids: uids),
            events: CountingEventRecorder(writer: writer, clock: clock, logger: logger),
            clock: clock,
            logger: logger,
            metrics: loopMetrics,
            configuration: ControlLoopConfiguration(
                interval: .milliseconds(Int64((options.intervalSeconds * 1000).rounded())),
                dryRun: options.dryRun,
                maxConcurrentTargets: options.maxConcurrentTargets,
                mayWrite: mayWrite
            ),
            databases: databases,
            controls: controls
        )
        loop = controlLoop

        leadership?.attach(loop)
        httpClients = [kubeHTTP, prometheusHTTP]
        policyWatcher = Self.policyWatcher(
            options: options,
            baseline: policyBaseline,
            running: targets,
            loop: loop,
            events: KubePolicyEventRecorder(
                client: kube,
                instance: writer.instance,
                uids: uids,
                configMap: options.policyConfigMap,
                dryRun: options.dryRun,
                isWriting: { [loop] in loop.isWriting },
                logger: logger
            ),
            registry: registry,
            clock: clock,
            logger: logger
        )
        if let address = options.metricsAddress {
            let server: HTTPServer
            do {
                let endpoint = MetricsEndpoint(
                    registry: registry,
                    probes: HealthProbes(
                        metrics: loopMetrics,
                        interval: options.intervalSeconds,
                        leadership: { [leadership] in
                            guard let elector = leadership?.elector else {
                                return options.dryRun ? "none (dry run takes no part in the election)" : nil
                            }
                            let role = elector.isLeader ? "leader" : "standby"
                            return "\(role) as \(elector.settings.identity)"
                        }
                    ),
                    decisions: { controlLoop.recentDecisions() },
                    logger: logger
                )
                server = try endpoint.start(host: address.host, port: address.port)
            } catch {
                throw RunSetupError.setupFailed(what: "the metrics endpoint", reason: "\(error)")
            }
            metricsServer = server
            logger.info("serving /metrics and /healthz", ["address": .string(server.baseURL)])
        } else {
            metricsServer = nil
        }
        logger.info(
            "connected",
            [
                "kubernetes": .string(kubeConfiguration.server), "kubeconfigSource": .string(kubeConfiguration.source),
                "prometheus": .string(Self.redactingPassword(options.prometheusURL)),
                "targets": .int(targets.count),
            ]
        )
    }

    /// Builds the elector for `--leader-elect`; without it the instance is the only writer and
    /// `headroom_leader` reads 1 (0 under `--dry-run`).
    static func makeElector(
        options: RunOptions,
        store: any LeaseStore,
        clock: any LoopClock,
        registry: MetricsRegistry,
        logger: Logger
    ) -> LeaderElector? {
        let election = options.leaderElection
        guard election.enabled, !options.dryRun else {
            if election.enabled { logger.info("--dry-run takes no part in leader election; no Lease is read") }
            registry.gauge("headroom_leader", help: "1 while this instance may write scales and Events, else 0.")
                .set(options.dryRun ? 0 : 1)
            return nil
        }
        let environment = ProcessInfo.processInfo.environment
        let settings = LeaderElectionSettings(
            namespace: election.namespace ?? environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 }
                ?? "default",
            leaseName: election.leaseName,
            identity: LeaderElectionSettings.identity(
                environment: environment,
                hostName: ProcessInfo.processInfo.hostName,
                suffix: LeaderElectionSettings.randomSuffix()
            ),
            leaseDuration: election.leaseDuration,
            renewDeadline: election.renewDeadline,
            retryPeriod: election.retryPeriod
        )
        return LeaderElector(settings: settings, store: store, clock: clock, logger: logger, registry: registry)
    }

    /// Replaces a password in the user info of `url` with `REDACTED`, for logging.
    static func redactingPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "REDACTED"
        return components.string ?? url
    }

    func stop() {
        metricsServer?.stop()
        for client in httpClients { client.shutdown() }
    }
}
