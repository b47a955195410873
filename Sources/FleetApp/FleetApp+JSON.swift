import Foundation
import HTTPServer

/// A message for an invalid request body.
struct BodyProblem: Error {
    var text: String
}

extension FleetApp {
    /// Builds a Directus-style error response, `{"errors":[{"message":"..."}]}`.
    static func errorResponse(_ status: Int, _ message: String) -> ServerResponse {
        jsonResponse(status, ["errors": [["message": message]]])
    }

    static func jsonResponse(_ status: Int, _ object: [String: Any]) -> ServerResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return .json(status, data)
    }

    /// Parses `{"title": "...", "body": "..."}`. Both fields are required strings.
    static func parseArticleBody(_ data: Data) -> Result<(title: String, body: String), BodyProblem> {
        guard let parsed = try? JSONSerialization.jsonObject(with: data), let object = parsed as? [String: Any]
        else {
            return .failure(
                BodyProblem(text: "invalid request body: send a JSON object with string fields title and body")
            )
        }
        var values: [String] = []
        for field in ["title", "body"] {
            guard let value = object[field] else {
                return .failure(BodyProblem(text: "invalid request body: field \(field) is missing"))
            }
            guard let text = value as? String else {
                return .failure(
                    BodyProblem(text: "invalid request body: field \(field) must be a string, got \(value)")
                )
            }
            values.append(text)
        }
        return .success((title: values[0], body: values[1]))
    }
}
