import Testing
import YAML

struct YAMLEmitterTests {
    @Test func rendersBlockStyle() {
        let node = YAMLNode.map([
            ("name", .string("api")),
            ("replicas", .int(3)),
            ("ratio", .double(0.25)),
            ("enabled", .bool(true)),
            ("labels", .list([.string("a"), .string("b")])),
        ])
        let expected = """
            name: api
            replicas: 3
            ratio: 0.25
            enabled: true
            labels:
            - a
            - b

            """
        #expect(YAMLEmitter.render(node) == expected)
    }

    @Test func stringsThatLookTypedAreQuoted() throws {
        let node = YAMLNode.map([("a", .string("no")), ("b", .string("10")), ("c", .string(""))])
        let text = YAMLEmitter.render(node)
        let parsed = try #require(try YAMLParser.parse(text))
        #expect(parsed["a"]?.scalar?.boolValue == nil)
        #expect(parsed["a"]?.scalar?.value == "no")
        #expect(parsed["b"]?.scalar?.intValue == nil)
        #expect(parsed["c"]?.scalar?.isNull == false)
    }

    @Test func specialCharactersRoundTrip() throws {
        let value = "a\"}b: #x\nline two"
        let text = YAMLEmitter.render(.map([("q", .string(value))]))
        let parsed = try #require(try YAMLParser.parse(text))
        #expect(parsed["q"]?.scalar?.value == value)
    }
}
