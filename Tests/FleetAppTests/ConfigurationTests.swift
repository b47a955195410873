import Foundation
import TestSupport
import Testing

@testable import FleetApp

@Suite struct ConfigurationTests {
    @Test func defaultsMatchDirectusAndKnex() throws {
        let configuration = try FleetAppConfiguration.parse(environment: ["PORT": "8055"])

        #expect(configuration.port == 8055)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.databasePort == 5432)
        #expect(configuration.databaseName == "directus")
        #expect(configuration.poolMinimum == 2)
        #expect(configuration.poolMaximum == 10)
        // Knex's acquireTimeoutMillis default is 60000 ms.
        #expect(configuration.acquireTimeoutSeconds == 60)
        #expect(configuration.concurrencyLimit == 16)
        #expect(configuration.querySeconds == 0.05)
        #expect(configuration.seedItems == 1000)
    }

    @Test func millisecondsBecomeSeconds() throws {
        let configuration = try FleetAppConfiguration.parse(
            environment: ["PORT": "1", "DB_POOL__ACQUIRE_TIMEOUT_MILLIS": "250"]
        )

        #expect(configuration.acquireTimeoutSeconds == 0.25)
    }

    @Test func minimumAboveMaximumIsRejected() {
        #expect {
            try FleetAppConfiguration.parse(environment: ["PORT": "1", "DB_POOL__MIN": "5", "DB_POOL__MAX": "3"])
        } throws: { error in
            let text = "\(error)"
            return text.contains("DB_POOL__MIN=5") && text.contains("DB_POOL__MAX=3")
        }
    }

    /// Every invalid variable is reported at once, each with its name and value.
    @Test func everyProblemIsListed() throws {
        let environment = ["DB_POOL__MAX": "ten", "FLEET_APP_QUERY_SECONDS": "-1", "DB_PORT": "70000"]
        let error = try #require(throws: ConfigurationError.self) {
            try FleetAppConfiguration.parse(environment: environment)
        }

        #expect(error.problems.count == 4)
        #expect(error.problems.contains { $0.hasPrefix("PORT is missing") })
        #expect(error.problems.contains { $0.hasPrefix(#"DB_POOL__MAX="ten" is invalid"#) })
        #expect(error.problems.contains { $0.hasPrefix(#"FLEET_APP_QUERY_SECONDS="-1" is invalid"#) })
        #expect(error.problems.contains { $0.hasPrefix(#"DB_PORT="70000" is invalid"#) })
    }

    @Test func seedNeedsNoPort() throws {
        let configuration = try FleetAppConfiguration.parse(environment: [:], requirePort: false)

        #expect(configuration.port == 0)
    }

    /// libpq reads `'...'` values with `\'` and `\\` escapes, so a password with both survives.
    @Test func conninfoQuotesValues() throws {
        var configuration = try FleetAppConfiguration.parse(
            environment: ["PORT": "1", "DB_PASSWORD": #"it's\x"#, "FLEET_APP_NAME": "pod-1"]
        )
        configuration.databaseHost = "127.0.0.1"

        #expect(configuration.conninfo.contains(#"password='it\'s\\x'"#))
        #expect(configuration.conninfo.contains("application_name='pod-1'"))
    }
}

@Suite struct ColdPeriodTests {
    /// 3 s period, 0.6 s extra: 0.6 at ready, half (0.3) at 1.5 s, a sixth (0.1) at 2.5 s, then 0.
    @Test func extraFallsLinearly() {
        let period = ColdPeriod(seconds: 3, extraSeconds: 0.6)

        #expect(period.extraDelay(elapsed: 0) == 0.6)
        #expect(abs(period.extraDelay(elapsed: 1.5) - 0.3) < 1e-12)
        #expect(abs(period.extraDelay(elapsed: 2.5) - 0.1) < 1e-12)
        #expect(period.extraDelay(elapsed: 3) == 0)
        #expect(period.extraDelay(elapsed: 100) == 0)
    }

    @Test func zeroPeriodAddsNothing() {
        #expect(ColdPeriod(seconds: 0, extraSeconds: 5).extraDelay(elapsed: 0) == 0)
    }
}

@Suite struct ArticleBodyTests {
    @Test func validBodyParses() throws {
        let parsed = try FleetApp.parseArticleBody(Data(#"{"title":"a","body":"b"}"#.utf8)).get()

        #expect(parsed.title == "a")
        #expect(parsed.body == "b")
    }

    @Test(arguments: [
        (#"{"body":"b"}"#, "field title is missing"),
        (#"{"title":"a","body":3}"#, "field body must be a string"),
        ("[1]", "send a JSON object"),
        ("not json", "send a JSON object"),
    ])
    func invalidBodyNamesField(body: String, message: String) {
        let result = FleetApp.parseArticleBody(Data(body.utf8))
        guard case .failure(let problem) = result else {
            Issue.record("\(body) parsed")
            return
        }

        #expect(problem.text.contains(message))
    }
}

/// The executable's exit status for invalid environment variables; no database is needed.
@Suite struct EnvironmentErrorTests {
    @Test(arguments: [
        (["PORT": "0", "DB_POOL__MIN": "4", "DB_POOL__MAX": "2"], "DB_POOL__MIN=4 is above DB_POOL__MAX=2"),
        (["PORT": "0", "DB_POOL__MAX": "many"], #"DB_POOL__MAX="many" is invalid"#),
        (["PORT": "0", "DB_POOL__MIN": "1.5"], #"DB_POOL__MIN="1.5" is invalid"#),
        (["HOST": "127.0.0.1"], "PORT is missing"),
    ])
    func invalidVariableExitsTwo(environment: [String: String], message: String) throws {
        let result = try runCommand(
            try FleetAppProcess.executable(),
            [],
            environment: environment,
            timeout: .seconds(20)
        )

        #expect(result.status == 2)
        #expect(result.stderr.contains(message))
    }
}
