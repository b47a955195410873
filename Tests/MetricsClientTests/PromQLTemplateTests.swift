import MetricsClient
import Testing

struct PromQLTemplateTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("a\"}b", "a\\\"}b"),
        ("back\\slash", "back\\\\slash"),
        ("line\nbreak", "line\\nbreak"),
        ("bell\u{07}", "bell\\x07"),
        ("it's", "it's"),
    ])
    func stringValueIsEscaped(value: String, escaped: String) throws {
        let template = try PromQLTemplate("up{name=\"{{name}}\"}")

        #expect(try template.render(["name": value]) == "up{name=\"\(escaped)\"}")
    }

    @Test func singleQuotedLiteralEscapesSingleQuote() throws {
        let template = try PromQLTemplate("up{name='{{name}}'}")

        #expect(try template.render(["name": "it's"]) == "up{name='it\\'s'}")
    }

    @Test func regexValueIsRegexEscaped() throws {
        let template = try PromQLTemplate("up{pod=~\"{{name}}-[a-z0-9]+\"}")

        // "api.v1" becomes the regex api\.v1, written in the literal as api\\.v1.
        #expect(try template.render(["name": "api.v1"]) == "up{pod=~\"api\\\\.v1-[a-z0-9]+\"}")
    }

    @Test func placeholdersWithSpacesAndManyNames() throws {
        let template = try PromQLTemplate(
            "sum(rate(x{namespace=\"{{ namespace }}\", ingress=\"{{name}}\"}[5m]))"
        )

        #expect(template.placeholderNames == ["namespace", "name"])
        #expect(
            try template.render(["namespace": "shop", "name": "api"])
                == "sum(rate(x{namespace=\"shop\", ingress=\"api\"}[5m]))"
        )
    }

    @Test func placeholderOutsideQuotesIsRejected() {
        #expect(throws: MetricsError.self) { try PromQLTemplate("up{name={{name}}}") }
    }

    @Test func placeholderInBacktickIsRejected() {
        #expect(throws: MetricsError.self) { try PromQLTemplate("up{name=`{{name}}`}") }
    }

    @Test func unterminatedStringIsRejected() {
        #expect(throws: MetricsError.self) { try PromQLTemplate("up{name=\"{{name}}}") }
    }

    @Test func missingValueIsRejected() throws {
        let template = try PromQLTemplate("up{name=\"{{name}}\"}")

        #expect(
            throws: MetricsError.invalidTemplate(template: template.source, reason: "no value for placeholder {{name}}")
        ) {
            try template.render([:])
        }
    }

    @Test func groupedEqualityBecomesRegex() throws {
        let template = try PromQLTemplate("sum by (ingress) (rate(x{ingress=\"{{name}}\", code=\"5xx\"}[5m]))")

        let grouped = try template.renderGrouped([["name": "web"], ["name": "api.v1"], ["name": "a\"}b"]])

        // Sorted alternatives, each regex-escaped, then escaped for the string literal.
        #expect(
            grouped
                == "sum by (ingress) (rate(x{ingress=~\"(?:a\\\"\\\\}b|api\\\\.v1|web)\", code=\"5xx\"}[5m]))"
        )
    }

    @Test func groupedRegexKeepsPattern() throws {
        let template = try PromQLTemplate("up{pod=~\"{{name}}-.*\"}")

        #expect(try template.renderGrouped([["name": "a"], ["name": "b"]]) == "up{pod=~\"(?:a|b)-.*\"}")
    }

    @Test(arguments: [
        "up{name!=\"{{name}}\"}",
        "up{name!~\"{{name}}\"}",
        "label_replace(up, \"x\", \"{{name}}\", \"\", \"\")",
        "up{name=\"{{name}}\\x41\"}",
    ])
    func ungroupableTemplates(source: String) throws {
        let template = try PromQLTemplate(source)

        #expect(!template.isGroupable)
        #expect(try template.renderGrouped([["name": "a"]]) == nil)
    }

    @Test func escapingHelpers() {
        #expect(PromQLEscaping.regex("a.b*c(d)|e[f]{g}^$+?\\") == "a\\.b\\*c\\(d\\)\\|e\\[f\\]\\{g\\}\\^\\$\\+\\?\\\\")
        #expect(PromQLEscaping.stringLiteralContent("x\"y", quote: "'") == "x\"y")
    }
}
