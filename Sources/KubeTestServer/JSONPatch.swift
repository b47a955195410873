/// A JSON patch (RFC 6902, `application/json-patch+json`): a list of `add`, `remove`,
/// `replace`, `move`, `copy` and `test` operations on JSON pointers (RFC 6901).
///
/// A malformed patch gets 400 BadRequest. An operation that cannot apply (a missing path, a
/// failed `test`) gets 422 Invalid with the index of the operation, and nothing is changed.
struct JSONPatch {
    enum Operation {
        case add(path: [String], value: JSONValue)
        case remove(path: [String])
        case replace(path: [String], value: JSONValue)
        case move(from: [String], path: [String])
        case copy(from: [String], path: [String])
        case test(path: [String], value: JSONValue)

        /// The pointer this operation writes, for managed fields; `nil` for `test`.
        var writtenPath: [String]? {
            switch self {
            case .add(let path, _), .remove(let path), .replace(let path, _), .move(_, let path),
                .copy(_, let path):
                path
            case .test:
                nil
            }
        }
    }

    let operations: [Operation]

    /// Parses the request body of a JSON patch.
    init(_ body: JSONValue) throws(APIFailure) {
        guard let items = body.arrayValue else {
            throw .badRequest("a JSON patch body must be a JSON array of operations")
        }
        var operations: [Operation] = []
        for (index, item) in items.enumerated() {
            operations.append(try Self.operation(item, index: index))
        }
        self.operations = operations
    }

    private static func operation(_ item: JSONValue, index: Int) throws(APIFailure) -> Operation {
        guard let op = item["op"]?.stringValue else {
            throw .badRequest("JSON patch operation \(index) has no \"op\"")
        }
        guard let pathText = item["path"]?.stringValue else {
            throw .badRequest("JSON patch operation \(index) (\(op)) has no \"path\"")
        }
        let path = try pointer(pathText, index: index)
        func value() throws(APIFailure) -> JSONValue {
            guard let value = item["value"] else {
                throw .badRequest("JSON patch operation \(index) (\(op)) has no \"value\"")
            }
            return value
        }
        func from() throws(APIFailure) -> [String] {
            guard let text = item["from"]?.stringValue else {
                throw .badRequest("JSON patch operation \(index) (\(op)) has no \"from\"")
            }
            return try pointer(text, index: index)
        }
        switch op {
        case "add": return .add(path: path, value: try value())
        case "remove": return .remove(path: path)
        case "replace": return .replace(path: path, value: try value())
        case "move": return .move(from: try from(), path: path)
        case "copy": return .copy(from: try from(), path: path)
        case "test": return .test(path: path, value: try value())
        default:
            throw .badRequest(
                "JSON patch operation \(index) has op \"\(op)\"; use add, remove, replace, move, copy or test"
            )
        }
    }

    /// Splits an RFC 6901 pointer such as `/spec/replicas` into its unescaped tokens.
    static func pointer(_ text: String, index: Int) throws(APIFailure) -> [String] {
        guard !text.isEmpty else { return [] }
        guard text.hasPrefix("/") else {
            throw .badRequest("JSON patch operation \(index) has path \"\(text)\", which does not start with /")
        }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// Applies every operation in order to `document` and returns the result.
    func applied(to document: JSONValue) throws(APIFailure) -> JSONValue {
        var result = document
        for (index, operation) in operations.enumerated() {
            do {
                try Self.apply(operation, to: &result)
            } catch {
                throw APIFailure(
                    code: 422,
                    reason: "Invalid",
                    message: "JSON patch operation \(index) cannot be applied: \(error.message)"
                )
            }
        }
        return result
    }

    /// The reason one operation cannot apply.
    struct OperationError: Error {
        var message: String
    }

    private static func apply(_ operation: Operation, to document: inout JSONValue) throws(OperationError) {
        switch operation {
        case .add(let path, let value):
            try write(&document, path[...], value: value, mode: .add)
        case .remove(let path):
            try write(&document, path[...], value: nil, mode: .remove)
        case .replace(let path, let value):
            try write(&document, path[...], value: value, mode: .replace)
        case .move(let from, let path):
            let value = try read(document, from)
            try write(&document, from[...], value: nil, mode: .remove)
            try write(&document, path[...], value: value, mode: .add)
        case .copy(let from, let path):
            try write(&document, path[...], value: try read(document, from), mode: .add)
        case .test(let path, let value):
            guard try read(document, path) == value else {
                throw OperationError(message: "test failed: the value at \(render(path)) differs")
            }
        }
    }

    private static func render(_ path: [String]) -> String {
        "\"/" + path.joined(separator: "/") + "\""
    }

    private static func read(_ document: JSONValue, _ path: [String]) throws(OperationError) -> JSONValue {
        var current = document
        for token in path {
            if let members = current.objectValue, let next = members[token] {
                current = next
            } else if let items = current.arrayValue, let index = Int(token), items.indices.contains(index) {
                current = items[index]
            } else {
                throw OperationError(message: "path \(render(path)) does not exist")
            }
        }
        return current
    }

    private enum WriteMode {
        case add, remove, replace
    }

    /// Adds, replaces or removes (`value` nil) the value at `path` inside `document`.
    private static func write(
        _ document: inout JSONValue,
        _ path: ArraySlice<String>,
        value: JSONValue?,
        mode: WriteMode
    ) throws(OperationError) {
        guard let token = path.first else {
            guard let value, mode != .remove else { throw OperationError(message: "cannot remove the whole object") }
            document = value
            return
        }
        let rest = path.dropFirst()
        if case .object(var members) = document {
            if rest.isEmpty {
                if mode != .add, members[token] == nil {
                    throw OperationError(message: "member \"\(token)\" does not exist")
                }
                members[token] = value
            } else {
                guard var child = members[token] else {
                    throw OperationError(message: "member \"\(token)\" does not exist")
                }
                try write(&child, rest, value: value, mode: mode)
                members[token] = child
            }
            document = .object(members)
            return
        }
        guard case .array(var items) = document else {
            throw OperationError(message: "\"\(token)\" is inside a value that is neither an object nor an array")
        }
        let appends = token == "-" && mode == .add && rest.isEmpty
        let index = appends ? items.count : Int(token)
        let limit = mode == .add && rest.isEmpty ? items.count : items.count - 1
        guard let index, index >= 0, index <= limit else {
            throw OperationError(message: "array index \"\(token)\" is out of range")
        }
        if !rest.isEmpty {
            try write(&items[index], rest, value: value, mode: mode)
        } else if let value, mode == .add {
            items.insert(value, at: index)
        } else if let value {
            items[index] = value
        } else {
            items.remove(at: index)
        }
        document = .array(items)
    }
}
