import FleetModel
import FleetTestbed
import Foundation
import KubeTestServer

/// A testbed on a bare object store with a fixed startup time, so lifecycle times can be worked
/// out by hand: created at t, scheduled at t + 2, listening at t + 10, Ready at the probe at
/// t + 2 + ⌈8 ÷ 5⌉ × 5 = t + 12, gone 30 s after deletion.
struct TestbedFixture {
    static let namespace = "shop"
    static let deployment = "api"
    static let wallStart = Date(timeIntervalSince1970: 1_800_000_000)

    static var parameters: FleetParameters {
        var parameters = FleetParameters.directusPgBouncer
        parameters.lifecycle.startup = .fixed(8)
        return parameters
    }

    let store: ObjectStore
    let testbed: Testbed
    let compression: Double
    var wallStart = TestbedFixture.wallStart

    init(
        replicas: Int,
        compression: Double = 2,
        fileSDPath: String? = nil,
        metricsPort: Int = 9999,
        parameters: FleetParameters = TestbedFixture.parameters,
        load: LoadShape = .steady(rate: 0, duration: 600),
        maxDuration: Double? = nil,
        publication: Publication = Publication()
    ) throws {
        var configuration = TestbedConfiguration()
        configuration.namespace = Self.namespace
        configuration.deployment = Self.deployment
        configuration.replicas = replicas
        configuration.compression = compression
        configuration.parameters = parameters
        configuration.fileSDPath = fileSDPath
        configuration.load = load
        configuration.maxDuration = maxDuration
        self.compression = compression
        store = ObjectStore()
        testbed = try Testbed(
            configuration: configuration,
            store: store,
            metricsPort: metricsPort,
            wallStart: Self.wallStart,
            publication: publication
        )
    }

    /// A fixture on an existing store (the API test server's) with a full configuration.
    init(
        store: ObjectStore,
        configuration: TestbedConfiguration,
        metricsPort: Int,
        wallStart: Date,
        publication: Publication
    ) throws {
        self.store = store
        compression = configuration.compression
        testbed = try Testbed(
            configuration: configuration,
            store: store,
            metricsPort: metricsPort,
            wallStart: wallStart,
            publication: publication
        )
        self.wallStart = wallStart
    }

    /// Sets the Deployment's `spec.replicas` through the scale subresource, as an autoscaler does.
    func scale(to replicas: Int) throws {
        _ = try store.patch(
            ResourceType.find(groupVersion: "apps/v1", name: "deployments")!,
            namespace: Self.namespace,
            name: Self.deployment,
            subresource: "scale",
            patch: ["spec": ["replicas": .int(replicas)]],
            manager: "test"
        )
    }

    /// Runs ticks with `arrivals` each until the model reaches `time`.
    func run(until time: Double, arrivals: Double = 0) throws {
        while testbed.modelTime < time { try testbed.step(arrivals: arrivals) }
    }

    func pods() -> [JSONValue] {
        store.list(ResourceType.find(groupVersion: "v1", name: "pods")!, namespace: Self.namespace).items
    }

    func pod(_ name: String) -> JSONValue? {
        pods().first { $0[path: ["metadata", "name"]]?.stringValue == name }
    }

    func deployment() throws -> JSONValue {
        try store.get(
            ResourceType.find(groupVersion: "apps/v1", name: "deployments")!,
            namespace: Self.namespace,
            name: Self.deployment
        )
    }

    /// Formats model second `seconds` as RFC 3339 under this fixture's mapping.
    func timestamp(_ seconds: Double) -> String {
        Timestamps.seconds(wallStart.addingTimeInterval(seconds / compression))
    }
}

/// Finds the condition `type` in an object's `status.conditions`.
func condition(_ object: JSONValue?, _ type: String) -> JSONValue? {
    object?[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == type }
}
