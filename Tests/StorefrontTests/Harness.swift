import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import NIOCore
import Storefront
import Testing

/// The database a test runs on. Every API test runs once per case, with the same expectations.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, mariadb
    /// MariaDB with MySQL 5.7's `latin1` defaults and other settings the shop did not choose
    /// (`MariaDBServer.Options.latin1Defaults`): the suite's `.latin1MariaDB` server.
    case mariadbLatin1 = "mariadb-latin1"
    var testDescription: String { rawValue }
    /// The database kind the shop reports (`/health/ready`).
    var kind: StorefrontDatabase.Kind { self == .sqlite ? .sqlite : .mariadb }
    var isMariaDB: Bool { kind == .mariadb }
    static let latin1ServerName = "latin1"
    static let mariaDBCases: [Backend] = allCases.filter(\.isMariaDB)
}

extension Trait where Self == MariaDBServerTrait {
    /// The server behind `Backend.mariadbLatin1`; API suites carry it next to `.mariaDB`.
    static var latin1MariaDB: MariaDBServerTrait { .mariaDB(.latin1Defaults, named: Backend.latin1ServerName) }
}

/// A fresh, migrated shop database on the chosen backend, and the API over it.
struct ShopHarness {
    let services: StorefrontServices
    let cleanup: @Sendable () async -> Void

    static func make(_ backend: Backend, adminKey: String = "test-admin-key", poolMaximum: Int = 10, acquireTimeout: Duration = .seconds(2)) async throws -> ShopHarness {
        StorefrontMetrics.bootstrap()
        let target: StorefrontConfiguration.DatabaseTarget
        var file: String?
        switch backend {
        case .sqlite:
            file = NSTemporaryDirectory() + "storefront-test-\(UUID().uuidString.prefix(8)).sqlite"
            target = .sqlite(path: file!)
        case .mariadb:
            target = .mariaDB(MariaDBConfigurationBox(try TestServer.freshDatabase("shop")))
        case .mariadbLatin1:
            let database = try TestServer.freshDatabase("shop", on: Backend.latin1ServerName)
            target = .mariaDB(MariaDBConfigurationBox(database))
        }
        let configuration = StorefrontConfiguration(database: target, poolMinimum: 0, poolMaximum: poolMaximum, poolAcquireTimeout: acquireTimeout,
                                                    adminAPIKey: adminKey, catalogCacheTTL: .seconds(30))
        let db = StorefrontDatabase(configuration)
        try await db.migrate()
        let services = StorefrontServices(configuration: configuration, db: db)
        let sqliteFile = file
        return ShopHarness(services: services) {
            await services.shutdown()
            if let file = sqliteFile { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        }
    }

    /// Runs `body` against the in-process router; always cleans up.
    static func withShop(_ backend: Backend, poolMaximum: Int = 10, acquireTimeout: Duration = .seconds(2),
                         _ body: @escaping @Sendable (ShopClient, StorefrontServices) async throws -> Void) async throws {
        let harness = try await make(backend, poolMaximum: poolMaximum, acquireTimeout: acquireTimeout)
        do {
            let app = Application(router: StorefrontApplication.router(services: harness.services))
            try await app.test(.router) { client in try await body(ShopClient(client: client), harness.services) }
        } catch {
            await harness.cleanup()
            throw error
        }
        await harness.cleanup()
    }
}

/// JSON helpers over the test client.
struct ShopClient: Sendable {
    let client: any TestClientProtocol

    /// Parsed JSON is Foundation values, read-only after parsing.
    struct Reply: @unchecked Sendable {
        let status: Int
        let json: [String: Any]
        let array: [Any]
        let headers: HTTPFields
        let text: String
        subscript(key: String) -> Any? { json[key] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
        var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    }

    func request(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, admin: Bool = false, key: String = "test-admin-key") async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if admin { headers[HTTPField.Name("X-API-Key")!] = key }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            return Reply(status: Int(response.status.code), json: object as? [String: Any] ?? [:],
                         array: object as? [Any] ?? [], headers: response.headers, text: text)
        }
    }

    func get(_ uri: String) async throws -> Reply { try await request(.get, uri) }
    func post(_ uri: String, _ json: String, admin: Bool = false) async throws -> Reply { try await request(.post, uri, json: json, admin: admin) }

    // Fixtures through the API itself.
    func category(_ name: String, slug: String, parent: Int? = nil) async throws -> Int {
        let reply = try await post("/admin/categories", #"{"name": "\#(name)", "slug": "\#(slug)", "parent_id": \#(parent.map(String.init) ?? "null")}"#, admin: true)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply["id"] as? Int, "\(reply.status) \(reply.text)")
    }

    func product(_ sku: String, title: String = "Thing", price: String = "9.99", stock: Int = 10, category: Int? = nil, active: Bool = true) async throws -> Int {
        let body = #"{"sku": "\#(sku)", "title": "\#(title)", "description": "A \#(title)", "price": "\#(price)", "stock": \#(stock), "active": \#(active), "category_id": \#(category.map(String.init) ?? "null"), "attributes": {"color": "blau"}}"#
        let reply = try await post("/admin/products", body, admin: true)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply["id"] as? Int, "\(reply.status) \(reply.text)")
    }

    func customer(_ email: String, name: String = "Zoë Müller") async throws -> Int {
        let reply = try await post("/customers", #"{"email": "\#(email)", "name": "\#(name)", "phone": "+49 30 123456"}"#)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply["id"] as? Int, "\(reply.status) \(reply.text)")
    }

    func cart(customer: Int, items: [(Int, Int)]) async throws -> Int {
        let cart = try await post("/carts", #"{"customer_id": \#(customer)}"#)
        let id = try #require(cart["id"] as? Int, "\(cart.status) \(cart.text)")
        for (product, quantity) in items {
            let reply = try await request(.put, "/carts/\(id)/items", json: #"{"product_id": \#(product), "quantity": \#(quantity)}"#)
            #expect(reply.status == 200, "\(reply.text)")
        }
        return id
    }

    func checkout(cart: Int, customer: Int) async throws -> Reply {
        try await post("/carts/\(cart)/checkout", #"{"customer_id": \#(customer), "payment_method": "card"}"#)
    }
}
