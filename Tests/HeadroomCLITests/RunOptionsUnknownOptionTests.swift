import Testing

@testable import HeadroomCLI

/// An unknown option is reported as unknown wherever it appears on the command line.
struct RunOptionsUnknownOptionTests {
    @Test(arguments: [
        ["--policy", "p", "--bogus"],
        ["--policy", "p", "--bogus", "x"],
        ["--bogus", "--policy", "p"],
    ])
    func unknownOptionNamed(arguments: [String]) {
        #expect(throws: RunOptions.UsageError(message: "unknown option '--bogus'")) {
            try RunOptions.parse(arguments).get()
        }
    }
}
