import Foundation
import Testing

@testable import Observability

struct LoggerTests {
    private let time = Date(timeIntervalSince1970: 1_764_842_400.5)  // 2025-12-04T10:00:00.500Z

    @Test func jsonRecordHasFixedKeysFirst() {
        let record = LogRecord(
            time: time,
            level: .info,
            message: "scaled",
            metadata: ["target": "shop/api", "desiredReplicas": 5, "ratio": 1.5, "dryRun": false]
        )
        let expected =
            #"{"time":"2025-12-04T10:00:00.500Z","level":"info","msg":"scaled","#
            + #""desiredReplicas":5,"dryRun":false,"ratio":1.5,"target":"shop/api"}"#
        #expect(record.formatted(as: .json) == expected)
    }

    @Test func jsonEscapesAndNonFiniteNumbers() {
        let record = LogRecord(
            time: time,
            level: .warning,
            message: "line\n\"quoted\"\u{1}",
            metadata: ["value": .double(.nan)]
        )
        let line = record.formatted(as: .json)
        #expect(line.contains(#""msg":"line\n\"quoted\"\u0001""#))
        #expect(line.contains(#""value":"NaN""#))
        #expect(!line.contains("\n"))
    }

    @Test func textRecordQuotesWhenNeeded() {
        let record = LogRecord(
            time: time,
            level: .debug,
            message: "hold",
            metadata: ["reason": "within tolerance", "target": "shop/api"]
        )
        #expect(
            record.formatted(as: .text)
                == #"2025-12-04T10:00:00.500Z DEBUG hold reason="within tolerance" target=shop/api"#
        )
    }

    @Test func levelFilterAndMetadataMerge() {
        let sink = InMemoryLogSink()
        let logger = Logger(level: .info, sink: sink, metadata: ["component": "loop"], now: { time })
            .with(["target": "shop/api"])
        logger.debug("proposal")
        logger.info("scaled", ["target": "shop/web"])
        logger.error("failed")

        let records = sink.records
        #expect(records.map(\.message) == ["scaled", "failed"])
        #expect(records[0].metadata["target"] == "shop/web")
        #expect(records[0].metadata["component"] == "loop")
        #expect(records[1].metadata["target"] == "shop/api")
    }

    @Test(arguments: [("debug", LogLevel.debug), ("WARN", .warning), ("warning", .warning), ("error", .error)])
    func levelParsing(text: String, expected: LogLevel) {
        #expect(LogLevel(parsing: text) == expected)
    }

    @Test func unknownLevelIsRejected() {
        #expect(LogLevel(parsing: "verbose") == nil)
    }
}
