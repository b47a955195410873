import Testing

@testable import LoadGenerator

/// Flag parsing: every rejection names the flag and the value.
struct OptionTests {
    private let base = ["--rates", "r.csv", "--out", "t.jsonl", "--summary", "s.json"]

    @Test func nonLoopbackURLRejected() {
        #expect(
            throws: LoadError.invalidFlag(
                flag: "--url",
                value: "http://10.1.2.3:8080",
                problem: "the host \"10.1.2.3\" is not a loopback address; use 127.0.0.1, localhost or [::1]"
            )
        ) {
            try LoadOptions.parse(["--url", "http://10.1.2.3:8080"] + base)
        }
    }

    @Test func loopbackURLsAccepted() throws {
        for url in ["http://127.0.0.1:9000/", "http://localhost:9000", "http://[::1]:9000", "http://127.3.2.1:80"] {
            let options = try LoadOptions.parse(["--url", url] + base)
            #expect(!options.url.hasSuffix("/"), "\(url) kept its trailing slash")
        }
    }

    @Test func missingOutRejected() {
        #expect(throws: LoadError.invalidFlag(flag: "--out", value: "", problem: "the flag is required but missing")) {
            try LoadOptions.parse(["--url", "http://127.0.0.1:1", "--rates", "r.csv", "--summary", "s.json"])
        }
    }

    @Test func durationsAndDefaultsParsed() throws {
        let options = try LoadOptions.parse(["--url", "http://127.0.0.1:1", "--timeout", "500ms"] + base)
        #expect(options.timeout == 0.5)
        #expect(options.maxConnections == 2000)
        #expect(options.writeRatio == 0.1)
        #expect(options.items == 1000)
    }

    @Test func floorAbovePeakRejected() {
        let arguments = [
            "--url", "http://127.0.0.1:1", "--trace", "worldcup98:x.csv", "--from", "1998-06-30 06:00",
            "--to", "1998-06-30 07:00", "--compression", "10", "--peak", "100", "--floor", "150",
            "--out", "t", "--summary", "s",
        ]
        #expect(
            throws: LoadError.invalidFlag(
                flag: "--floor",
                value: "150",
                problem: "expected requests/s from 0 to --peak"
            )
        ) {
            try LoadOptions.parse(arguments)
        }
    }

    @Test func badRatesLineNamesLineAndValue() {
        #expect(
            throws: LoadError.invalidFlag(
                flag: "--rates",
                value: "r.csv",
                problem: "line 3 \"1,abc\" has rate \"abc\", expected a number of requests/s ≥ 0"
            )
        ) {
            try ScheduleSource.parseRates("second,rate\n0,5\n1,abc\n", path: "r.csv")
        }
    }

    @Test func gapInRatesSecondsRejected() {
        #expect(
            throws: LoadError.invalidFlag(
                flag: "--rates",
                value: "r.csv",
                problem: "line 3 \"2,5\" has second \"2\", expected 1 (seconds start at 0 and increase by 1)"
            )
        ) {
            try ScheduleSource.parseRates("second,rate\n0,5\n2,5\n", path: "r.csv")
        }
    }
}
