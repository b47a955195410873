import Foundation
import HTTPServer
import KubeTestServer

// A Kubernetes API stand-in for tests and the live testbed. It listens on 127.0.0.1 only,
// prints its bound ports, and runs until SIGINT or SIGTERM.

let usage = """
    usage: kube-test-server --cert FILE --key FILE --token TOKEN=IDENTITY [options]

      --cert FILE            server certificate PEM (HTTPS is required: kubectl sends no
                             bearer token over plain HTTP)
      --key FILE             private key PEM of the certificate
      --token TOKEN=ID       accept bearer TOKEN as identity ID (repeatable)
      --port N               API port, 0 (default) lets the kernel pick
      --admin-port N         admin API port, 0 (default) lets the kernel pick
      --no-admin             serve no admin API
      --seed FILE            JSON object or List of objects to store at start (repeatable)
      --rbac FILE            JSON object mapping identity to an array of RBAC rules
      --no-mirror            do not copy spec.replicas writes into status
      --mirror-delay-ms N    copy spec.replicas into status N milliseconds after a write
      --git-version V        version reported by /version (default v1.32.4)

    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("kube-test-server: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func value(for flag: String) -> String {
    guard !arguments.isEmpty else { fail("\(flag) needs a value\n\(usage)") }
    return arguments.removeFirst()
}
@MainActor func integer(for flag: String) -> Int {
    let text = value(for: flag)
    guard let number = Int(text), number >= 0 else { fail("\(flag): invalid number \"\(text)\"") }
    return number
}

var certificate: String?
var key: String?
var tokens: [String: String] = [:]
var apiPort = 0
var adminPort: Int? = 0
var seeds: [String] = []
var rbacFile: String?
var mirrors = true
var mirrorDelay = 0
var gitVersion = "v1.32.4"

while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    switch flag {
    case "--cert": certificate = value(for: flag)
    case "--key": key = value(for: flag)
    case "--token":
        let pair = value(for: flag).split(separator: "=", maxSplits: 1).map(String.init)
        guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else { fail("--token needs TOKEN=IDENTITY") }
        tokens[pair[0]] = pair[1]
    case "--port": apiPort = integer(for: flag)
    case "--admin-port": adminPort = integer(for: flag)
    case "--no-admin": adminPort = nil
    case "--seed": seeds.append(value(for: flag))
    case "--rbac": rbacFile = value(for: flag)
    case "--no-mirror": mirrors = false
    case "--mirror-delay-ms": mirrorDelay = integer(for: flag)
    case "--git-version": gitVersion = value(for: flag)
    case "--help", "-h":
        print(usage, terminator: "")
        exit(0)
    default: fail("unknown flag \(flag)\n\(usage)")
    }
}
guard let certificate, let key else { fail("--cert and --key are required\n\(usage)") }
guard !tokens.isEmpty else { fail("give at least one --token TOKEN=IDENTITY") }

// Block the stop signals before any server thread starts, so only sigwait below receives them.
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGINT)
sigaddset(&stopSignals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

let server: KubeTestServer
do {
    let tls = try ServerTLS(certificateFile: certificate, keyFile: key)
    server = try KubeTestServer(
        .init(apiPort: apiPort, adminPort: adminPort, tls: tls, tokens: tokens, gitVersion: gitVersion)
    )
    server.store.setReplicaMirroring(enabled: mirrors, delay: .milliseconds(mirrorDelay))
    for seed in seeds {
        let value = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: seed)))
        for object in value["items"]?.arrayValue ?? [value] { try server.store.seed(object) }
    }
    if let rbacFile {
        let data = try Data(contentsOf: URL(fileURLWithPath: rbacFile))
        for (identity, rules) in try JSONDecoder().decode([String: [RBACRule]].self, from: data) {
            server.access.setRules(rules, for: identity)
        }
    }
} catch {
    fail("failed to start: \(error)")
}

var banner = "api \(server.apiURL)\n"
if let adminURL = server.adminURL { banner += "admin \(adminURL)\n" }
FileHandle.standardOutput.write(Data(banner.utf8))

var received: Int32 = 0
sigwait(&stopSignals, &received)
server.stop()
