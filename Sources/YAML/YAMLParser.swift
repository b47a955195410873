import CYAML

/// A document that libyaml rejected, or one too deeply nested or too large to load.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let mark: YAMLMark?

    public init(message: String, mark: YAMLMark?) {
        self.message = message
        self.mark = mark
    }

    public var description: String {
        guard let mark else { return "invalid YAML: \(message)" }
        return "invalid YAML at line \(mark.line), column \(mark.column): \(message)"
    }
}

/// Parses YAML 1.1 text (and so JSON) with libyaml into `YAMLNode` trees that keep marks.
public enum YAMLParser {
    /// Deepest nesting accepted; deeper documents are rejected instead of exhausting the stack.
    public static let maximumDepth = 128
    /// Most nodes one document may expand to, counting each alias use again, so that a
    /// document of nested aliases cannot expand to billions of nodes.
    public static let maximumNodes = 1_000_000

    /// Parses every document in `text`, in order.
    public static func parseDocuments(_ text: String) throws -> [YAMLNode] {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return [] }
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                throw YAMLError(message: "libyaml could not allocate a parser", mark: nil)
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)

            var documents: [YAMLNode] = []
            while true {
                var document = yaml_document_t()
                guard yaml_parser_load(&parser, &document) == 1 else {
                    throw parserError(parser)
                }
                defer { yaml_document_delete(&document) }
                guard let root = yaml_document_get_root_node(&document) else {
                    return documents  // The stream ended.
                }
                var builder = TreeBuilder(document: &document)
                documents.append(try builder.build(root, depth: 0))
            }
        }
    }

    /// Parses text that holds one document; returns `nil` for empty text.
    /// Throws when the text holds more than one document.
    public static func parse(_ text: String) throws -> YAMLNode? {
        let documents = try parseDocuments(text)
        guard documents.count <= 1 else {
            throw YAMLError(
                message: "expected one document, found \(documents.count); remove the extra '---' separators",
                mark: documents[1].mark
            )
        }
        return documents.first
    }

    private static func parserError(_ parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        let context = parser.context.map { String(cString: $0) }
        let message = context.map { "\(problem) \($0)" } ?? problem
        let mark = YAMLMark(
            line: Int(parser.problem_mark.line) + 1,
            column: Int(parser.problem_mark.column) + 1
        )
        return YAMLError(message: message, mark: mark)
    }
}

/// Copies a libyaml document into `YAMLNode` values, resolving aliases.
private struct TreeBuilder {
    let document: UnsafeMutablePointer<yaml_document_t>
    var expanded = 0

    init(document: UnsafeMutablePointer<yaml_document_t>) {
        self.document = document
    }

    mutating func build(_ node: UnsafeMutablePointer<yaml_node_t>, depth: Int) throws -> YAMLNode {
        let mark = YAMLMark(
            line: Int(node.pointee.start_mark.line) + 1,
            column: Int(node.pointee.start_mark.column) + 1
        )
        guard depth <= YAMLParser.maximumDepth else {
            throw YAMLError(message: "nesting deeper than \(YAMLParser.maximumDepth) levels", mark: mark)
        }
        expanded += 1
        guard expanded <= YAMLParser.maximumNodes else {
            throw YAMLError(
                message: "document expands to more than \(YAMLParser.maximumNodes) nodes; check its aliases",
                mark: mark
            )
        }

        switch node.pointee.type {
        case YAML_SCALAR_NODE:
            return .scalar(scalar(node, mark: mark))
        case YAML_SEQUENCE_NODE:
            var items: [YAMLNode] = []
            let sequence = node.pointee.data.sequence.items
            if let start = sequence.start, let top = sequence.top {
                for index in UnsafeBufferPointer(start: start, count: top - start) {
                    items.append(try build(child(index, mark: mark), depth: depth + 1))
                }
            }
            return .sequence(items, mark: mark)
        case YAML_MAPPING_NODE:
            var pairs: [YAMLPair] = []
            let mapping = node.pointee.data.mapping.pairs
            if let start = mapping.start, let top = mapping.top {
                for pair in UnsafeBufferPointer(start: start, count: top - start) {
                    let key = try build(child(pair.key, mark: mark), depth: depth + 1)
                    let value = try build(child(pair.value, mark: mark), depth: depth + 1)
                    pairs.append(YAMLPair(key: key, value: value))
                }
            }
            return .mapping(pairs, mark: mark)
        default:
            throw YAMLError(message: "empty node", mark: mark)
        }
    }

    private func child(_ index: Int32, mark: YAMLMark) throws -> UnsafeMutablePointer<yaml_node_t> {
        guard let node = yaml_document_get_node(document, index) else {
            throw YAMLError(message: "dangling node reference", mark: mark)
        }
        return node
    }

    private func scalar(_ node: UnsafeMutablePointer<yaml_node_t>, mark: YAMLMark) -> YAMLScalar {
        let data = node.pointee.data.scalar
        let buffer = UnsafeBufferPointer(start: data.value, count: data.length)
        let value = String(decoding: buffer, as: UTF8.self)
        let style: YAMLScalarStyle =
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: .literal
            case YAML_FOLDED_SCALAR_STYLE: .folded
            default: .plain
            }
        return YAMLScalar(value: value, style: style, tag: explicitTag(node), mark: mark)
    }

    /// libyaml stamps every node with a tag, and untagged plain scalars get `!!str` too, so
    /// only a tag other than the default one for the node's kind counts as explicit.
    private func explicitTag(_ node: UnsafeMutablePointer<yaml_node_t>) -> String? {
        guard let raw = node.pointee.tag else { return nil }
        let tag = String(cString: raw)
        return tag == "tag:yaml.org,2002:str" ? nil : tag
    }
}
