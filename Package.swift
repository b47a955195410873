// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Headroom",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "headroom", targets: ["headroom"]),
        .executable(name: "kube-test-server", targets: ["kube-test-server"]),
        .executable(name: "headroom-testbed", targets: ["headroom-testbed"]),
        .executable(name: "headroom-bench", targets: ["headroom-bench"]),
        .executable(name: "fleet-app", targets: ["fleet-app"]),
        .executable(name: "headroom-pgbouncer-exporter", targets: ["headroom-pgbouncer-exporter"]),
        .executable(name: "headroom-load", targets: ["headroom-load"]),
        .executable(name: "headroom-proving-ground", targets: ["headroom-proving-ground"]),
    ],
    targets: [
        // C libraries from Debian, reached through pkg-config.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),

        // Swift wrappers around the C libraries.
        .target(name: "HTTPTransport", dependencies: ["CCurl"]),
        .target(name: "YAML", dependencies: ["CYAML"]),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD"]),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),

        // Structured logs and the Prometheus metrics registry.
        .target(name: "Observability"),

        // Clients and the decision engine.
        .target(name: "MetricsClient", dependencies: ["HTTPTransport"]),
        .target(name: "KubeClient", dependencies: ["HTTPTransport", "YAML"]),
        .target(name: "Autoscaler", dependencies: ["YAML", "MetricsClient", "Observability"]),

        // The fleet model: a Directus-style fleet advanced one second at a time.
        .target(name: "FleetModel"),

        // The simulator: policies and baseline autoscalers against the fleet model in virtual time.
        .target(name: "Simulator", dependencies: ["FleetModel", "Autoscaler", "MetricsClient", "Observability"]),

        // The Kubernetes API test server (library and executable).
        .target(name: "KubeTestServer", dependencies: ["HTTPServer"]),
        .executableTarget(name: "kube-test-server", dependencies: ["KubeTestServer"]),

        // The live testbed: the fleet model behind the API test server and fake exporters.
        .target(name: "FleetTestbed", dependencies: ["FleetModel", "KubeTestServer", "HTTPServer"]),
        .executableTarget(name: "headroom-testbed", dependencies: ["FleetTestbed"]),

        // The fleet app: a Directus-like item API on PostgreSQL for the real-stack proving ground.
        .target(name: "FleetApp", dependencies: ["HTTPServer", "PostgresClient", "Observability"]),
        .executableTarget(name: "fleet-app", dependencies: ["FleetApp"]),
        // Launchers and clients of the real stack (PostgreSQL, PgBouncer, HAProxy, exporters,
        // Prometheus) on loopback, and the PgBouncer exporter that serves the Go exporter's names.
        .target(name: "RealStack", dependencies: ["PostgresClient", "HTTPServer"]),
        .executableTarget(
            name: "headroom-pgbouncer-exporter",
            dependencies: ["RealStack", "PostgresClient", "HTTPServer"]
        ),

        // The open-loop load generator for real-stack runs (library and executable).
        .target(name: "LoadGenerator", dependencies: ["CCurl", "FleetModel"]),
        .executableTarget(name: "headroom-load", dependencies: ["LoadGenerator"]),

        // The command line.
        .target(
            name: "HeadroomCLI",
            dependencies: [
                "Autoscaler", "MetricsClient", "KubeClient", "HTTPTransport", "HTTPServer", "Observability",
                "Simulator", "FleetModel", "YAML",
            ]
        ),
        .executableTarget(name: "headroom", dependencies: ["HeadroomCLI"]),

        // The real-stack proving ground: fleet-app processes behind HAProxy on PostgreSQL, scaled
        // by `headroom run` through the API test server, under headroom-load.
        .target(
            name: "ProvingGround",
            dependencies: [
                "FleetTestbed", "FleetModel", "KubeTestServer", "HTTPServer", "HTTPTransport", "MetricsClient",
                "PostgresClient", "RealStack",
            ]
        ),
        .executableTarget(name: "headroom-proving-ground", dependencies: ["ProvingGround"]),

        // `make bench`: decisions per second of the engine against the HPA formula.
        .executableTarget(name: "headroom-bench", dependencies: ["Autoscaler", "MetricsClient", "Simulator"]),

        // Helpers shared by tests: temporary directories, free ports, child processes.
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(name: "HTTPTransportTests", dependencies: ["HTTPTransport", "TestSupport"]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability"]),
        .testTarget(
            name: "MetricsClientTests",
            dependencies: ["MetricsClient", "HTTPTransport", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "KubeClientTests",
            dependencies: ["KubeClient", "KubeTestServer", "HTTPServer", "HTTPTransport", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AutoscalerTests",
            dependencies: ["Autoscaler", "YAML", "MetricsClient"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "FleetModelTests", dependencies: ["FleetModel"]),
        .testTarget(
            name: "FleetTestbedTests",
            dependencies: [
                "FleetTestbed", "FleetModel", "KubeTestServer", "HTTPServer", "HTTPTransport", "TestSupport",
            ]
        ),
        .testTarget(
            name: "FleetAppTests",
            dependencies: ["FleetApp", "PostgresClient", "HTTPTransport", "TestSupport"]
        ),
        .testTarget(
            name: "RealStackTests",
            dependencies: ["RealStack", "PostgresClient", "HTTPServer"]
        ),
        .testTarget(
            name: "LoadGeneratorTests",
            dependencies: ["LoadGenerator", "FleetModel", "HTTPServer", "TestSupport"]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "FleetModel", "Autoscaler", "MetricsClient", "HTTPTransport", "TestSupport"]
        ),
        .testTarget(
            name: "HeadroomCLITests",
            dependencies: [
                "HeadroomCLI", "Autoscaler", "MetricsClient", "HTTPTransport", "TestSupport", "KubeClient",
                "KubeTestServer", "HTTPServer", "FleetTestbed", "FleetModel",
            ],
            // HPA fixtures and expected policies, which ImportHPATests reads through #filePath.
            exclude: ["ImportHPAFixtures"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["KubeTestServer", "HTTPServer", "HTTPTransport", "TestSupport"]
        ),
        // CI's short proving-ground scenarios: runs headroom-proving-ground and checks its raw files.
        .testTarget(name: "ProvingGroundTests", dependencies: ["TestSupport"]),
        // Checks of the deploy story: manifests, RBAC from the end-to-end audit logs, alert
        // rules, the dashboard and the container image. Runs after EndToEndTests.
        .testTarget(
            name: "DeployTests",
            dependencies: [
                "HeadroomCLI", "Autoscaler", "KubeClient", "Observability", "KubeTestServer", "HTTPServer",
                "HTTPTransport", "TestSupport", "YAML",
            ],
            // The fixtures are read by path, so promtool gets them as files.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
