import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

@Suite struct KubeconfigMergeTests {
    @Test func firstFileWinsEachKey() throws {
        let merged = try KubeConfigurationLoader.loadFiles([
            Fixture.path("merge-first.yaml"), Fixture.path("merge-second.yaml"),
        ])

        #expect(merged.currentContext == "first-context")
        #expect(merged.clusters["shared"]?.server == "https://127.0.0.1:1001")
        #expect(merged.clusters["only-first"]?.server == "https://127.0.0.1:1111")
        #expect(merged.clusters["only-second"]?.server == "https://127.0.0.1:2222")
        #expect(merged.users["shared-user"]?.token == "first-token")
        #expect(merged.users["second-user"]?.username == "alice")
        #expect(merged.contexts["shared-context"]?.namespace == "from-first")
        #expect(merged.contexts["shared-context"]?.cluster == "only-first")
        #expect(merged.contexts["second-context"]?.user == "second-user")
    }

    @Test func reversedOrderFlipsWinners() throws {
        let merged = try KubeConfigurationLoader.loadFiles([
            Fixture.path("merge-second.yaml"), Fixture.path("merge-first.yaml"),
        ])

        #expect(merged.currentContext == "second-context")
        #expect(merged.clusters["shared"]?.server == "https://127.0.0.1:2002")
        #expect(merged.users["shared-user"]?.token == "second-token")
        #expect(merged.contexts["shared-context"]?.namespace == "from-second")
    }

    @Test func contextTakenWholeFromFirstFile() async throws {
        let merged = try KubeConfigurationLoader.loadFiles([
            Fixture.path("merge-first.yaml"), Fixture.path("merge-second.yaml"),
        ])
        let configuration = try merged.configuration(context: "shared-context")

        #expect(configuration.server == "https://127.0.0.1:1111")
        #expect(configuration.namespace == "from-first")
        #expect(try await configuration.credentials?.authorization() == "Bearer first-token")
    }

    @Test func kubeconfigVariableSkipsMissingFiles() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let list = [
            directory.path + "/missing.yaml", Fixture.path("merge-second.yaml"), Fixture.path("merge-first.yaml"),
        ].joined(separator: ":")
        let loader = KubeConfigurationLoader(
            environment: ["KUBECONFIG": list],
            serviceAccountDirectory: directory.path + "/none",
            homeDirectory: directory.path
        )

        let configuration = try loader.load()

        #expect(configuration.server == "https://127.0.0.1:2222")
        #expect(configuration.namespace == "default")
        #expect(configuration.source.contains("context second-context"))
    }

    @Test func explicitPathBeatsVariable() throws {
        let loader = KubeConfigurationLoader(
            environment: ["KUBECONFIG": Fixture.path("merge-second.yaml")],
            serviceAccountDirectory: "/nonexistent",
            homeDirectory: "/nonexistent"
        )

        let configuration = try loader.load(kubeconfig: Fixture.path("merge-first.yaml"))

        #expect(configuration.server == "https://127.0.0.1:1001")
        #expect(configuration.namespace == "shop")
    }

    @Test func nothingFoundNamesEverySource() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let loader = KubeConfigurationLoader(
            environment: [:],
            serviceAccountDirectory: directory.path,
            homeDirectory: directory.path
        )

        #expect {
            try loader.load()
        } throws: { error in
            guard case KubeError.noConfiguration(let searched) = error else { return false }
            return searched.contains("\(directory.path)/.kube/config") && searched.count == 2
        }
    }

    @Test func homeConfigIsTheLastResort() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/.kube", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Fixture.path("merge-first.yaml"),
            toPath: directory.path + "/.kube/config"
        )
        let loader = KubeConfigurationLoader(
            environment: [:],
            serviceAccountDirectory: directory.path,
            homeDirectory: directory.path
        )

        #expect(try loader.load().server == "https://127.0.0.1:1001")
    }
}

/// A temporary directory for tests that do not need `TestSupport`.
struct TemporaryDirectoryForTests {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/kubeclient-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let file = "\(path)/\(name)"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
