import Testing
import YAML

struct YAMLParserTests {
    @Test func mappingKeepsOrderAndMarks() throws {
        let text = """
            apiVersion: v1
            items:
              - name: a
                count: 3
              - name: "b"
            """
        let root = try #require(try YAMLParser.parse(text))
        let pairs = try #require(root.pairs)
        #expect(pairs.map { $0.key.scalar?.value } == ["apiVersion", "items"])
        #expect(root.mark == YAMLMark(line: 1, column: 1))

        let items = try #require(root["items"]?.items)
        #expect(items.count == 2)
        // "- name: a" starts at line 3; the mapping begins after "  - " at column 5.
        #expect(items[0].mark == YAMLMark(line: 3, column: 5))
        #expect(items[0]["count"]?.scalar?.intValue == 3)
        #expect(items[0]["count"]?.scalar?.mark == YAMLMark(line: 4, column: 12))
        #expect(items[1]["name"]?.scalar?.style == .doubleQuoted)
    }

    @Test func duplicateKeysAreKept() throws {
        let root = try #require(try YAMLParser.parse("a: 1\na: 2\n"))
        #expect(root.pairs?.count == 2)
        #expect(root["a"]?.scalar?.value == "1")
    }

    @Test func jsonParsesAsYAML() throws {
        let root = try #require(try YAMLParser.parse(#"{"kind": "Config", "n": [1, 2.5, null]}"#))
        #expect(root["kind"]?.scalar?.value == "Config")
        let values = try #require(root["n"]?.items)
        #expect(values[0].scalar?.intValue == 1)
        #expect(values[1].scalar?.doubleValue == 2.5)
        #expect(values[2].scalar?.isNull == true)
    }

    @Test(arguments: [
        ("yes", true), ("No", false), ("on", true), ("OFF", false), ("TRUE", true), ("n", false),
    ])
    func plainBooleans(text: String, expected: Bool) throws {
        let node = try #require(try YAMLParser.parse("v: \(text)"))
        #expect(node["v"]?.scalar?.boolValue == expected)
    }

    @Test func quotedScalarsAreNeverResolved() throws {
        let node = try #require(try YAMLParser.parse("a: \"no\"\nb: '5'\nc: \"null\""))
        #expect(node["a"]?.scalar?.boolValue == nil)
        #expect(node["b"]?.scalar?.intValue == nil)
        #expect(node["c"]?.scalar?.isNull == false)
    }

    @Test func numbersAndSpecialFloats() throws {
        let node = try #require(try YAMLParser.parse("a: 1e3\nb: -.inf\nc: .NaN\nd: 12abc\ne: 99999999999999999999"))
        #expect(node["a"]?.scalar?.doubleValue == 1000)
        #expect(node["b"]?.scalar?.doubleValue == -.infinity)
        #expect(node["c"]?.scalar?.doubleValue?.isNaN == true)
        #expect(node["d"]?.scalar?.doubleValue == nil)
        #expect(node["e"]?.scalar?.intValue == nil)
    }

    @Test func aliasesAreResolved() throws {
        let node = try #require(try YAMLParser.parse("base: &b {x: 1}\ncopy: *b\n"))
        #expect(node["copy"]?["x"]?.scalar?.intValue == 1)
    }

    @Test func syntaxErrorCarriesMark() throws {
        let error = try #require(throws: YAMLError.self) {
            try YAMLParser.parse("a: [1, 2\nb: 3\n")
        }
        #expect(error.mark != nil)
        #expect(error.description.contains("line"))
    }

    @Test func nestedAliasBombIsRejected() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...7 {
            let previous = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(previous)]\n"
        }
        // 10^8 expanded nodes exceeds the limit of one million.
        let error = try #require(throws: YAMLError.self) { try YAMLParser.parse(text) }
        #expect(error.message.contains("more than 1000000 nodes"))
    }

    @Test func deepNestingIsRejected() throws {
        let text = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let error = try #require(throws: YAMLError.self) { try YAMLParser.parse(text) }
        #expect(error.message.contains("nesting deeper than 128"))
    }

    @Test func multipleDocuments() throws {
        let documents = try YAMLParser.parseDocuments("a: 1\n---\nb: 2\n")
        #expect(documents.count == 2)
        #expect(throws: YAMLError.self) { try YAMLParser.parse("a: 1\n---\nb: 2\n") }
        #expect(try YAMLParser.parse("") == nil)
    }
}
