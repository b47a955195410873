import Foundation
import HTTPTransport
import Testing

@testable import KubeClient

@Suite struct KubeconfigAuthTests {
    let config: Kubeconfig

    init() throws {
        config = try KubeConfigurationLoader.loadFiles([Fixture.path("auth-kinds.yaml")])
    }

    @Test func staticTokenAndFileAuthority() async throws {
        let configuration = try config.configuration(context: "token")

        #expect(configuration.server == "https://127.0.0.1:6443")
        #expect(configuration.namespace == "shop")
        #expect(configuration.tls.certificateAuthority == .file(Fixture.path("certs/ca.pem")))
        #expect(configuration.tls.serverName == "kubernetes.default")
        #expect(configuration.tls.insecureSkipVerify == false)
        #expect(try await configuration.credentials?.authorization() == "Bearer static-token")
    }

    @Test func tokenFileRelativeToKubeconfig() async throws {
        let configuration = try config.configuration(context: "token-file")

        #expect(configuration.server == "https://127.0.0.1:6443")
        #expect(configuration.tls.certificateAuthority == .inline(Data("authority PEM".utf8)))
        let provider = try #require(configuration.credentials as? RotatingTokenFile)
        #expect(provider.path == Fixture.path("token.txt"))
        #expect(try await provider.authorization() == "Bearer file-token")
    }

    @Test func basicAuthOnInsecureCluster() async throws {
        let configuration = try config.configuration(context: "basic")
        let expected = "Basic " + Data("alice:wonderland".utf8).base64EncodedString()

        #expect(configuration.tls.insecureSkipVerify)
        #expect(configuration.tls.certificateAuthority == nil)
        #expect(configuration.namespace == "no")
        #expect(try await configuration.credentials?.authorization() == expected)
    }

    @Test func clientCertificateFiles() throws {
        let configuration = try config.configuration(context: "cert-files")

        #expect(configuration.tls.clientCertificate == .file(Fixture.path("certs/client.crt")))
        #expect(configuration.tls.clientKey == .file(Fixture.path("certs/client.key")))
        #expect(configuration.credentials == nil)
    }

    @Test func clientCertificateData() throws {
        let configuration = try config.configuration(context: "cert-data")

        #expect(configuration.tls.clientCertificate == .inline(Data("client certificate PEM".utf8)))
        #expect(configuration.tls.clientKey == .inline(Data("client key PEM".utf8)))
    }

    @Test func anonymousUserSendsNoCredentials() throws {
        #expect(try config.configuration(context: "anonymous").credentials == nil)
    }

    @Test func currentContextIsTheDefault() throws {
        #expect(try config.configuration().namespace == "shop")
    }

    @Test(arguments: [
        ("two-methods", "more than one authentication method (token, basic auth)"),
        ("insecure-with-ca", "sets insecure-skip-tls-verify together with a certificate authority"),
        ("half-certificate", "sets a client certificate or a client key but not both"),
        ("missing-user", "names user \"nobody\", which is not defined"),
        ("no-such-context", "context \"no-such-context\" is not defined"),
    ])
    func invalidContextsRejected(context: String, message: String) throws {
        let invalid = try KubeConfigurationLoader.loadFiles([Fixture.path("invalid-configs.yaml")])

        #expect {
            try invalid.configuration(context: context)
        } throws: { error in
            guard case KubeError.invalidConfiguration(_, let text) = error else { return false }
            return text.contains(message)
        }
    }

    @Test func wrongShapeCitesLineAndColumn() throws {
        #expect {
            try KubeConfigurationLoader.loadFiles([Fixture.path("clusters-not-a-list.yaml")])
        } throws: { error in
            guard case KubeError.invalidConfiguration(let location, let message) = error else { return false }
            return location == Fixture.path("clusters-not-a-list.yaml") + ":2:11"
                && message == "clusters must be a list"
        }
    }
}
