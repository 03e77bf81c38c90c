import Foundation
import Hummingbird
import HummingbirdTesting
import Storefront
import Testing

/// Keeps `openapi.yaml` in step with the code: one document in two places, and exactly the routes the router serves.
@Suite struct OpenAPITests {
    /// The repository root: `Tests/StorefrontTests/OpenAPITests.swift` → two directories up.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let rootDocument = root.appendingPathComponent("openapi.yaml")
    static let resourceDocument = root.appendingPathComponent("Sources/Storefront/Resources/openapi.yaml")

    @Test func documentCopiesAreIdentical() throws {
        let rootData = try Data(contentsOf: Self.rootDocument)
        let resourceData = try Data(contentsOf: Self.resourceDocument)
        #expect(!rootData.isEmpty)
        #expect(rootData == resourceData, "openapi.yaml and Sources/Storefront/Resources/openapi.yaml differ: copy the root file over the resource")
        let served = try OpenAPIDocument.text()
        #expect(Data(served.utf8) == rootData, "OpenAPIDocument.text() is not the repository's openapi.yaml (rebuild after changing the resource)")
    }

    @Test func documentedOperationsMatchRegisteredRoutes() async throws {
        StorefrontMetrics.bootstrap()
        let text = try String(contentsOf: Self.rootDocument, encoding: .utf8)
        let documented = Self.operations(inPathsOf: text)
        #expect(!documented.isEmpty, "no operations found under 'paths:' in openapi.yaml")

        let configuration = StorefrontConfiguration(database: .sqliteMemory)
        let db = StorefrontDatabase(configuration)
        let services = StorefrontServices(configuration: configuration, db: db)
        let router = StorefrontApplication.router(services: services)
        let registered = Set(router.routes.map { Operation(method: $0.method.rawValue.lowercased(), path: Self.normalise("\($0.path)")) })
        #expect(!registered.isEmpty)

        let undocumented = registered.subtracting(documented).sorted()
        let unregistered = documented.subtracting(registered).sorted()
        #expect(undocumented.isEmpty, "routes missing from openapi.yaml: \(undocumented)")
        #expect(unregistered.isEmpty, "openapi.yaml documents routes the router does not serve: \(unregistered)")

        // The served document is the file.
        let app = Application(router: router)
        do {
            try await app.test(.router) { client in
                try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/yaml")
                    let servesTheFile = String(buffer: response.body) == text
                    #expect(servesTheFile, "GET /openapi.yaml does not serve the repository's openapi.yaml")
                }
            }
        } catch {
            await services.shutdown()
            throw error
        }
        await services.shutdown()
    }

    struct Operation: Hashable, Comparable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method.uppercased()) \(path)" }
        static func < (a: Operation, b: Operation) -> Bool { (a.path, a.method) < (b.path, b.method) }
    }

    static let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `/products/:id` and `/products/{id}` both become `/products/{id}`; no trailing slash.
    static func normalise(_ path: String) -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map { component -> String in
            component.hasPrefix(":") ? "{\(component.dropFirst())}" : String(component)
        }
        return "/" + components.joined(separator: "/")
    }

    /// Reads `paths:` of a document indented by two spaces: path keys at indent 2, methods at indent 4.
    static func operations(inPathsOf text: String) -> Set<Operation> {
        var result: Set<Operation> = []
        var inPaths = false
        var currentPath: String?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            let content = line.drop(while: { $0 == " " })
            if content.isEmpty || content.hasPrefix("#") { continue }
            let indent = line.count - content.count
            if indent == 0 {
                inPaths = content.hasPrefix("paths:")
                currentPath = nil
                continue
            }
            guard inPaths, let colon = content.firstIndex(of: ":") else { continue }
            var key = String(content[..<colon]).trimmingCharacters(in: .whitespaces)
            if key.count >= 2, let first = key.first, first == "\"" || first == "'", key.last == first {
                key = String(key.dropFirst().dropLast())
            }
            if indent == 2 {
                currentPath = key.hasPrefix("/") ? normalise(key) : nil
            } else if indent == 4, let path = currentPath, httpMethods.contains(key.lowercased()) {
                result.insert(Operation(method: key.lowercased(), path: path))
            }
        }
        return result
    }

    @Test func readerFindsPathsAndMethods() {
        let sample = """
            openapi: 3.0.3
            paths:
              /a/{id}:
                get:
                  responses:
                    "200":
                      description: x
                parameters: []
                post:
                  summary: y
              "/b":
                patch:
                  summary: z
            components:
              schemas:
                get:
                  type: string
            """
        #expect(operations(inPathsOf: sample) == [
            Operation(method: "get", path: "/a/{id}"), Operation(method: "post", path: "/a/{id}"), Operation(method: "patch", path: "/b"),
        ])
        #expect(normalise("/products/:id/reviews") == "/products/{id}/reviews")
    }

    func operations(inPathsOf text: String) -> Set<Operation> { Self.operations(inPathsOf: text) }
    func normalise(_ path: String) -> String { Self.normalise(path) }
}
