import Foundation
import HTTPServer

extension APIRouter {
    /// Serves `GET /api/v1/namespaces[/{name}]` from `ObjectStore.namespaces()`. Namespaces are
    /// read-only here, so other methods get 405.
    func namespaceResponse(
        _ request: ServerRequest,
        path: APIPath,
        wantsTable: Bool,
        now: Date
    ) throws(APIFailure) -> ServerResponse {
        guard request.method == "GET" else { throw .methodNotAllowed(request.method, request.path) }
        var items = store.namespaces()

        if let name = path.name {
            guard let object = items.first(where: { $0[path: ["metadata", "name"]]?.stringValue == name }) else {
                throw .notFound(path.type, name: name)
            }
            if wantsTable {
                return Self.json(
                    200,
                    TableRenderer.table(path.type, objects: [object], revision: store.revision, now: now)
                )
            }
            return Self.json(200, object)
        }

        if let selector = request.queryValue("labelSelector"), !selector.isEmpty {
            items = items.filter(try LabelSelector(selector).matches)
        }
        if let selector = request.queryValue("fieldSelector"), !selector.isEmpty {
            items = items.filter(try FieldSelector(selector, type: path.type).matches)
        }
        if wantsTable {
            return Self.json(200, TableRenderer.table(path.type, objects: items, revision: store.revision, now: now))
        }
        return Self.json(
            200,
            [
                "kind": "NamespaceList", "apiVersion": "v1",
                "metadata": ["resourceVersion": .string(String(store.revision))], "items": .array(items),
            ]
        )
    }
}
