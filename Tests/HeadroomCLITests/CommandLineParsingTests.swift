import Testing

@testable import HeadroomCLI

/// The library entry point with captured output, without starting a process.
struct CommandLineParsingTests {
    @Test(arguments: [
        (["--policy", "p.yaml"], "p.yaml", false),
        (["--policy=p.yaml", "--print"], "p.yaml", true),
        (["--print", "--policy", "dir/p.json"], "dir/p.json", true),
    ])
    func checkOptionsParse(arguments: [String], path: String, print: Bool) throws {
        let options = try CheckCommand.parse(arguments).get()
        #expect(options == CheckCommand.Options(policyPath: path, printNormalized: print))
    }

    @Test func unknownCommandQuotesToken() async {
        let captured = CapturedOutput()
        let status = await HeadroomCommandLine.run(["simulat"], output: captured.output)
        #expect(status == 2)
        #expect(captured.standardError == "headroom: unknown command 'simulat'; run 'headroom --help' for the list\n")
    }
}
