import Foundation
import HTTPServer

extension APIRouter {
    /// Runs a resource operation: get, list, create, update, patch or delete.
    func resourceResponse(_ request: ServerRequest, path: APIPath) throws(APIFailure) -> ServerResponse {
        let manager = ManagedFields.manager(
            fieldManager: request.queryValue("fieldManager"),
            userAgent: request.header("User-Agent")
        )
        let wantsTable = request.header("Accept")?.contains("as=Table") == true
        let now = Date()
        if path.type.name == "namespaces" {
            return try namespaceResponse(request, path: path, wantsTable: wantsTable, now: now)
        }

        switch (request.method, path.name) {
        case ("GET", nil):
            if let watch = request.queryValue("watch"), !["", "false", "0"].contains(watch.lowercased()) {
                throw .watchNotSupported
            }
            var (items, revision) = store.list(path.type, namespace: path.namespace)
            if let selector = request.queryValue("labelSelector"), !selector.isEmpty {
                let parsed = try LabelSelector(selector)
                items = items.filter(parsed.matches)
            }
            if let selector = request.queryValue("fieldSelector"), !selector.isEmpty {
                let parsed = try FieldSelector(selector, type: path.type)
                items = items.filter(parsed.matches)
            }
            if wantsTable {
                return Self.json(200, TableRenderer.table(path.type, objects: items, revision: revision, now: now))
            }
            return Self.json(
                200,
                [
                    "kind": .string("\(path.type.kind)List"), "apiVersion": .string(path.type.groupVersion),
                    "metadata": ["resourceVersion": .string(String(revision))], "items": .array(items),
                ]
            )
        case ("GET", let name?):
            let object = try store.get(path.type, namespace: try namespace(path), name: name)
            if path.subresource == "scale" { return Self.json(200, ObjectStore.scale(of: object, type: path.type)) }
            if wantsTable {
                return Self.json(
                    200,
                    TableRenderer.table(path.type, objects: [object], revision: store.revision, now: now)
                )
            }
            return Self.json(200, object)
        case ("POST", nil):
            var object = try body(request)
            let namespace = try namespace(path)
            if let given = object[path: ["metadata", "namespace"]]?.stringValue, given != namespace {
                throw .badRequest(
                    "the namespace of the object (\(given)) does not match the namespace on the request (\(namespace))"
                )
            }
            if object["apiVersion"] == nil { object["apiVersion"] = .string(path.type.groupVersion) }
            if object["kind"] == nil { object["kind"] = .string(path.type.kind) }
            return Self.json(
                201,
                try store.create(path.type, namespace: namespace, object: object, manager: manager, now: now)
            )
        case ("PUT", let name?):
            let updated = try store.update(
                path.type,
                namespace: try namespace(path),
                name: name,
                subresource: path.subresource,
                body: try body(request),
                manager: manager,
                now: now
            )
            return Self.json(200, updated)
        case ("PATCH", let name?):
            let contentType = request.header("Content-Type") ?? ""
            // NOTE: a strategic merge patch is applied as a JSON merge patch. The two differ only
            // for lists with merge keys, and no client of this server patches such lists.
            let format: PatchFormat
            if contentType.hasPrefix("application/json-patch+json") {
                format = .json
            } else if contentType.hasPrefix("application/merge-patch+json")
                || contentType.hasPrefix("application/strategic-merge-patch+json")
            {
                format = .merge
            } else {
                throw .unsupportedMediaType(contentType)
            }
            let patched = try store.patch(
                path.type,
                namespace: try namespace(path),
                name: name,
                subresource: path.subresource,
                patch: try body(request),
                format: format,
                manager: manager,
                now: now
            )
            return Self.json(200, patched)
        case ("DELETE", let name?) where path.subresource == nil:
            return Self.json(200, try store.delete(path.type, namespace: try namespace(path), name: name))
        default:
            throw .methodNotAllowed(request.method, request.path)
        }
    }

    private func namespace(_ path: APIPath) throws(APIFailure) -> String {
        guard let namespace = path.namespace else {
            throw .badRequest("\(path.type.qualifiedName) are namespaced: the path needs /namespaces/{namespace}")
        }
        return namespace
    }

    private func body(_ request: ServerRequest) throws(APIFailure) -> JSONValue {
        do {
            return try JSONValue.parse(request.body)
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error)")
        }
    }
}
