import Foundation
import Testing

/// The structure of the repository's Dockerfile. The ldd check of the release binary runs in
/// CI (`scripts/check-image`), because it needs the release build.
@Suite struct ImageTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func dockerfile() throws -> Dockerfile {
        let text = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        return Dockerfile(text)
    }

    @Test func hasBuilderAndRuntimeStages() throws {
        let stages = try Self.dockerfile().stages
        try #require(stages.count == 2)
        #expect(stages[0].name == "builder")
        #expect(stages[0].image.hasPrefix("swift:6."))
        #expect(stages[0].image.hasSuffix("-bookworm"))
        #expect(stages[1].image == "debian:bookworm-slim")
    }

    /// The release build links the Swift standard library statically, which is why the runtime
    /// stage needs no Swift runtime.
    @Test func builderBuildsStaticRelease() throws {
        let builder = try #require(try Self.dockerfile().stages.first)
        let builds = builder.arguments(of: "RUN").filter { $0.hasPrefix("swift build ") }
        try #require(builds.count == 1)
        let words = builds[0].split(separator: " ").map(String.init)
        #expect(words.contains("--static-swift-stdlib"))
        #expect(words.contains("release"))
        #expect(words.contains("--product"))
        #expect(words.contains("headroom"))
    }

    /// The C libraries' headers and pkg-config files, which the system-library targets need
    /// (libpq for the proving ground, which shares the package with headroom).
    @Test func builderInstallsDevelopmentPackages() throws {
        let builder = try #require(try Self.dockerfile().stages.first)
        let packages = builder.installedPackages
        for package in ["libcurl4-openssl-dev", "libyaml-dev", "libmicrohttpd-dev", "libpq-dev", "pkg-config"] {
            #expect(packages.contains(package), "builder stage does not install \(package)")
        }
    }

    /// UID 0 is root; Kubernetes' `runAsNonRoot` needs a numeric UID in the image to verify.
    @Test func runtimeUserIsNumericNonRoot() throws {
        let runtime = try #require(try Self.dockerfile().stages.last)
        let user = try #require(runtime.arguments(of: "USER").last)
        let uid = try #require(Int(user.split(separator: ":").first ?? ""))
        #expect(uid > 0)
        let group = user.split(separator: ":").dropFirst().first.flatMap { Int($0) }
        #expect(group != 0)
    }

    @Test func runtimeInstallsCertificatesAndTimeZones() throws {
        let runtime = try #require(try Self.dockerfile().stages.last)
        let packages = runtime.installedPackages
        for package in ["ca-certificates", "tzdata", "libcurl4", "libyaml-0-2", "libmicrohttpd12"] {
            #expect(packages.contains(package), "runtime stage does not install \(package)")
        }
        // The -dev packages belong in the builder only.
        #expect(packages.allSatisfy { !$0.hasSuffix("-dev") })
    }

    @Test func runtimeRunsCopiedBinary() throws {
        let runtime = try #require(try Self.dockerfile().stages.last)
        #expect(runtime.arguments(of: "ENTRYPOINT") == [#"["/usr/local/bin/headroom"]"#])
        let copies = runtime.arguments(of: "COPY")
        let binaryCopy = copies.first { $0.hasSuffix(" /usr/local/bin/headroom") }
        #expect(binaryCopy != nil, "COPY lines: \(copies)")
        #expect(binaryCopy?.hasPrefix("--from=builder ") == true, "COPY lines: \(copies)")
    }

    /// The build context leaves out the local `.build`, whose objects belong to this machine.
    @Test func dockerignoreKeepsOnlySources() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent(".dockerignore"), encoding: .utf8)
        let rules = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(rules.first == "*")
        #expect(Set(rules.dropFirst()) == ["!Package.swift", "!Sources/", "!Tests/"])
    }
}

/// A Dockerfile read into stages of instructions, with continuation lines joined and comments
/// dropped. Enough for the checks above, not a full parser (no heredocs, no parser directives).
struct Dockerfile {
    struct Stage {
        var image: String
        var name: String?
        var instructions: [(keyword: String, arguments: String)] = []

        func arguments(of keyword: String) -> [String] {
            instructions.filter { $0.keyword == keyword }.map(\.arguments)
        }

        /// The packages of every `apt-get install` in the stage, without options.
        var installedPackages: [String] {
            arguments(of: "RUN").flatMap { command in
                command.components(separatedBy: "&&").flatMap { part -> [String] in
                    let words = part.split(separator: " ").map(String.init)
                    guard let install = words.firstIndex(of: "install"), words.contains("apt-get") else { return [] }
                    return words[(install + 1)...].filter { !$0.hasPrefix("-") }
                }
            }
        }
    }

    var stages: [Stage] = []

    init(_ text: String) {
        var logical: [String] = []
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty, line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
            } else {
                logical.append(pending + line)
                pending = ""
            }
        }
        for line in logical {
            let keyword = String(line.prefix { !$0.isWhitespace }).uppercased()
            let arguments = line.dropFirst(keyword.count).split(separator: " ").joined(separator: " ")
            if keyword == "FROM" {
                let words = arguments.split(separator: " ").map(String.init)
                let name = words.count == 3 && words[1].uppercased() == "AS" ? words[2] : nil
                stages.append(Stage(image: words.first ?? "", name: name))
            } else if !stages.isEmpty {
                stages[stages.count - 1].instructions.append((keyword, arguments))
            }
        }
    }
}
