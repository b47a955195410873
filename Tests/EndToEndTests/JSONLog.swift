import Foundation

/// One record of `headroom run --log-format json`, with its values as text.
struct JSONLogRecord {
    var message: String
    var level: String
    var fields: [String: String]

    subscript(_ key: String) -> String? { fields[key] }

    /// Parses every JSON line of `output`; other lines are skipped.
    static func parse(_ output: String) -> [JSONLogRecord] {
        output.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            var fields: [String: String] = [:]
            for (key, value) in object {
                fields[key] = "\(value)"
            }
            return JSONLogRecord(
                message: fields["msg"] ?? "",
                level: fields["level"] ?? "",
                fields: fields
            )
        }
    }
}

extension Array where Element == JSONLogRecord {
    /// Returns the records about one target, such as `Deployment shop/api`.
    func about(_ target: String) -> [JSONLogRecord] {
        filter { $0["target"] == target }
    }
}
